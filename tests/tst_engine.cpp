// The engine end to end against a local server that counts simultaneous requests and
// misbehaves on purpose, and against the nginx fixture where thousands of fast responses are
// needed. Assertions are about states, order and counts, never wall time; the one count that
// time bounds is that of deliveries, by the time measured, not by a deadline.
#include "Engine.h"
#include "UrlList.h"
#include "HostQueue.h"
#include "WorkerLoop.h"
#include "support/BatchWaits.h"
#include "support/TestHttpServer.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include <atomic>
#include <map>
#include <tuple>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
// Collects every update the engine publishes, keeping the latest record of each task.
class Observer : public QObject {
public:
    explicit Observer(Engine &engine)
    {
        connect(&engine, &Engine::updated, this, [this](const EngineUpdate &update) {
            ++deliveries;
            deliveredOn = QThread::currentThread();
            for (const TaskRecord &task : update.tasks) {
                auto &seen = states[task.id];
                if (seen.isEmpty() || seen.last() != task.state)
                    seen.append(task.state);
                latest[task.id] = task;
            }
            for (const BatchRecord &batch : update.batches)
                batches[batch.id] = batch;
        });
    }
    int deliveries = 0;
    std::atomic<QThread *> deliveredOn = nullptr; // read by the test while another thread observes
    std::map<TaskId, QList<TaskState>> states;
    std::map<TaskId, TaskRecord> latest;
    std::map<BatchId, BatchRecord> batches;

    int count(TaskState state) const
    {
        return int(std::count_if(latest.begin(), latest.end(), [state](const auto &entry) { return entry.second.state == state; }));
    }
};

QList<QUrl> repeat(const QUrl &url, int times)
{
    return QList<QUrl>(times, url);
}

// The nginx fixture's URL for path, or an empty URL when the fixture is not running.
QUrl nginxUrl(const QString &path)
{
    QFile port(qEnvironmentVariable("LOOPSCOPE_NGINX_DIR") + u"/port"_s);
    if (!port.open(QIODevice::ReadOnly))
        return {};
    return QUrl(u"http://127.0.0.1:"_s + QString::fromLatin1(port.readAll().trimmed()) + path);
}

// The fields a change of a task shows in; a record delivered again differs in one of them.
auto changeOf(const TaskRecord &task)
{
    return std::tuple(task.state, task.cancelReason, task.attempts, task.httpStatus, task.bytesReceived, task.bytesTotal, task.error,
                      task.errorKind, task.worker, task.finalUrl, task.responseHeaders, task.queuedAt, task.startedAt, task.finishedAt,
                      task.retryAt, task.attemptLog.size(), task.savedPath, task.timings.ttfbMs, task.timings.totalMs, task.note);
}
} // namespace

class TestEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void successRecordsEverything()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId id = engine.addBatch(u"one"_s, {server.url(u"/bytes/1000"_s)}, BatchSettings{});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.total, 1);
        QCOMPARE(batch.count(TaskState::Succeeded), 1);
        // The update with the final record arrived before the batch was reported finished.
        QCOMPARE(observer.latest.size(), size_t(1));
        const TaskRecord &task = observer.latest.begin()->second;
        QCOMPARE(task.state, TaskState::Succeeded);
        QCOMPARE(task.httpStatus, 200);
        QCOMPARE(task.bytesReceived, 1000);
        QCOMPARE(task.attempts, 1);
        QCOMPARE(task.worker, u"Worker 1"_s);
        QVERIFY(task.error.isEmpty());
        QVERIFY(task.queuedAt >= 0 && task.startedAt >= task.queuedAt && task.finishedAt >= task.startedAt);
        QCOMPARE(observer.deliveredOn.load(), QThread::currentThread());
    }

    void statesMoveInOrderAndEndOnce()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        QList<QUrl> urls;
        for (int i = 0; i < 20; ++i)
            urls << server.url(u"/delay/%1"_s.arg(10 + i * 5)) << server.url(u"/status/500"_s);
        const BatchId id = engine.addBatch(u"order"_s, urls, BatchSettings{4, 6, 30'000, 0});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), 20);
        QCOMPARE(batch.count(TaskState::Failed), 20);
        QCOMPARE(observer.latest.size(), size_t(40));
        for (const auto &[taskId, seen] : observer.states) {
            // Coalescing may hide intermediate states, never reorder them.
            for (qsizetype i = 1; i < seen.size(); ++i)
                QVERIFY2(int(seen[i - 1]) < int(seen[i]) && !isTerminal(seen[i - 1]), qPrintable(QString::number(taskId)));
            QVERIFY(isTerminal(seen.last()));
        }
        for (const auto &[taskId, task] : observer.latest) {
            if (task.state == TaskState::Failed) {
                QCOMPARE(task.httpStatus, 500);
                QVERIFY2(task.error.startsWith(u"HTTP 500"_s), qPrintable(task.error));
            }
        }
        QVERIFY(batch.sumRunMs(0) > 0);
        QVERIFY(batch.elapsedMs(0) > 0);
    }

    void concurrencyIsHonouredBeyondSixPerHost()
    {
        // More than Qt's six connections per manager, all to one host.
        TestHttpServer server;
        Engine engine;
        const BatchId id = engine.addBatch(u"wide"_s, repeat(server.url(u"/delay/300"_s), 40), BatchSettings{20, 20, 30'000, 0});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), 40);
        QCOMPARE(server.peakInFlight(), 20);
    }

    void concurrencyIsACeiling()
    {
        TestHttpServer server;
        Engine engine;
        const BatchId id = engine.addBatch(u"narrow"_s, repeat(server.url(u"/delay/50"_s), 12), BatchSettings{3, 6, 30'000, 0});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), 12);
        QCOMPARE(server.peakInFlight(), 3);
    }

    void perHostLimitHoldsOnlyThatHost()
    {
        // Two servers are two hosts (127.0.0.1 on different ports). With per-host 2, the
        // slow host never has more than 2 in flight, while the other still gets its share.
        TestHttpServer slow;
        TestHttpServer quick;
        Engine engine;
        Observer observer(engine);
        QList<QUrl> urls = repeat(slow.url(u"/delay/200"_s), 10);
        urls += repeat(quick.url(u"/delay/200"_s), 4);
        const BatchId id = engine.addBatch(u"hosts"_s, urls, BatchSettings{8, 2, 30'000, 0});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), 14);
        QCOMPARE(slow.peakInFlight(), 2);
        QCOMPARE(quick.peakInFlight(), 2);
        // The quick host's tasks (queued last) did not wait for the slow host's queue to drain.
        qint64 lastSlowStart = 0;
        qint64 lastQuickStart = 0;
        for (const auto &[taskId, task] : observer.latest)
            (task.url.port() == slow.port() ? lastSlowStart : lastQuickStart) = std::max(task.startedAt, task.url.port() == slow.port() ? lastSlowStart : lastQuickStart);
        QVERIFY(lastQuickStart < lastSlowStart);
    }

    void workersAreNamedAndShared()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId id = engine.addBatch(u"named"_s, repeat(server.url(u"/delay/20"_s), 9), BatchSettings{3, 6, 30'000, 0});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), 9);
        QSet<QString> workers;
        for (const auto &[taskId, task] : observer.latest)
            workers.insert(task.worker);
        QCOMPARE(workers, (QSet<QString>{u"Worker 1"_s, u"Worker 2"_s, u"Worker 3"_s}));
    }

    void cancellingARunningTaskAbortsIt()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId id = engine.addBatch(u"hang"_s, {server.url(u"/hang"_s), server.url(u"/ok"_s)}, BatchSettings{2, 6, 60'000, 0});
        QTRY_COMPARE(server.inFlight(), 1);
        QTRY_VERIFY(observer.latest.count(1) && observer.latest[1].state == TaskState::Running);
        engine.cancelTask(1);
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Cancelled), 1);
        QCOMPARE(batch.count(TaskState::Succeeded), 1);
        QCOMPARE(observer.latest[1].cancelReason, CancelReason::User);
        QCOMPARE(observer.latest[1].error, u"cancelled by user"_s);
        // The connection was released: the server saw the client go away.
        QTRY_COMPARE(server.inFlight(), 0);
    }

    void cancellingAQueuedTaskMeansItNeverStarts()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId id = engine.addBatch(u"queued"_s, {server.url(u"/hang"_s), server.url(u"/ok?second"_s)}, BatchSettings{1, 6, 60'000, 0});
        QTRY_COMPARE(server.inFlight(), 1);
        engine.cancelTask(2);
        QTRY_VERIFY(observer.latest.count(2) && observer.latest[2].state == TaskState::Cancelled);
        engine.cancelTask(1);
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Cancelled), 2);
        QCOMPARE(observer.latest[2].startedAt, -1);
        QCOMPARE(observer.states[2], (QList<TaskState>{TaskState::Queued, TaskState::Cancelled}));
        QCOMPARE(server.requestCount(), 1);
    }

    void cancellingABatchLeavesOthersRunning()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId doomed = engine.addBatch(u"doomed"_s, repeat(server.url(u"/hang"_s), 5), BatchSettings{2, 6, 60'000, 0});
        const BatchId kept = engine.addBatch(u"kept"_s, repeat(server.url(u"/delay/100"_s), 3), BatchSettings{3, 6, 60'000, 0});
        QTRY_VERIFY(server.inFlight() >= 2);
        engine.cancelBatch(doomed);
        ASSIGN_OR_FAIL(const BatchRecord cancelled, waitForBatch(engine, doomed));
        QCOMPARE(cancelled.count(TaskState::Cancelled), 5);
        ASSIGN_OR_FAIL(const BatchRecord finished, waitForBatch(engine, kept));
        QCOMPARE(finished.count(TaskState::Succeeded), 3);
        for (const auto &[taskId, task] : observer.latest) {
            if (task.batch == doomed)
                QCOMPARE(task.cancelReason, CancelReason::Batch);
        }
    }

    void cancelAllFromAnotherThread()
    {
        TestHttpServer server;
        Engine engine;
        const BatchId a = engine.addBatch(u"a"_s, repeat(server.url(u"/hang"_s), 4), BatchSettings{2, 6, 60'000, 0});
        const BatchId b = engine.addBatch(u"b"_s, repeat(server.url(u"/hang"_s), 4), BatchSettings{2, 6, 60'000, 0});
        QTRY_COMPARE(server.inFlight(), 4);
        std::unique_ptr<QThread> other(QThread::create([&engine] { engine.cancelAll(); }));
        other->start();
        other->wait();
        ASSIGN_OR_FAIL(const BatchRecord first, waitForBatch(engine, a));
        QCOMPARE(first.count(TaskState::Cancelled), 4);
        ASSIGN_OR_FAIL(const BatchRecord second, waitForBatch(engine, b));
        QCOMPARE(second.count(TaskState::Cancelled), 4);
        QTRY_COMPARE(server.inFlight(), 0);
    }

    void shutdownRecordsEveryTaskAsCancelled()
    {
        TestHttpServer server;
        auto engine = std::make_unique<Engine>();
        const BatchId id = engine->addBatch(u"open"_s, repeat(server.url(u"/hang"_s), 6), BatchSettings{3, 6, 60'000, 0});
        QTRY_COMPARE(server.inFlight(), 3);
        QFuture<QList<TaskRecord>> gathered = engine->gather(id);
        QFuture<BatchRecord> done = engine->whenBatchFinished(id);
        engine->shutdown();
        QVERIFY(done.isFinished());
        QCOMPARE(done.result().count(TaskState::Cancelled), 6);
        QVERIFY(gathered.isFinished());
        QCOMPARE(gathered.result().size(), 6);
        for (const TaskRecord &task : gathered.result())
            QCOMPARE(task.cancelReason, CancelReason::Shutdown);
        engine.reset();
        QTRY_COMPARE(server.inFlight(), 0);
    }

    void timeoutFailsTheAttempt()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId id = engine.addBatch(u"slow"_s, {server.url(u"/hang"_s)}, BatchSettings{1, 1, 200, 0});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Failed), 1);
        QVERIFY2(observer.latest[1].error.startsWith(u"timed out"_s), qPrintable(observer.latest[1].error));
        QTRY_COMPARE(server.inFlight(), 0);
    }

    void retriesRetryableFailures()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId id = engine.addBatch(u"retry"_s, {server.url(u"/fail-then-ok/k/2"_s), server.url(u"/status/404"_s)},
                                           BatchSettings{2, 6, 30'000, 3});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), 1);
        QCOMPARE(observer.latest[1].attempts, 3);
        QCOMPARE(observer.latest[1].httpStatus, 200);
        // 404 is not worth retrying.
        QCOMPARE(observer.latest[2].attempts, 1);
        QCOMPARE(observer.latest[2].state, TaskState::Failed);
    }

    void redirectsAreFollowedUpToTen()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId id = engine.addBatch(
            u"redirects"_s,
            {server.url(u"/redirect/10"_s), server.url(u"/redirect/11"_s), server.url(u"/redirect-loop"_s),
             server.url(u"/redirect-to?url=ftp%3A%2F%2Fexample.org%2Ffile"_s)},
            BatchSettings{4, 6, 30'000, 0});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), 1);
        QCOMPARE(observer.latest[1].state, TaskState::Succeeded);
        QCOMPARE(observer.latest[1].finalUrl, server.url(u"/redirect/0"_s));
        QCOMPARE(observer.latest[2].state, TaskState::Failed);
        QCOMPARE(observer.latest[3].state, TaskState::Failed);
        QCOMPARE(observer.latest[4].state, TaskState::Failed);
        QCOMPARE(observer.latest[2].error, u"too many redirects (more than 10)"_s);
        QCOMPARE(observer.latest[3].error, u"too many redirects (more than 10)"_s);
        QCOMPARE(observer.latest[4].error, u"redirect to an unsupported scheme: ftp://example.org/file"_s);
    }

    void connectionFailuresAreRecorded()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId id = engine.addBatch(u"broken"_s, {server.url(u"/close"_s)}, BatchSettings{});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Failed), 1);
        QVERIFY(!observer.latest[1].error.isEmpty());
        QCOMPARE(observer.latest[1].httpStatus, 0);
    }

    void updatesAreCoalesced()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const int tasks = 2000;
        const BatchId id = engine.addBatch(u"many"_s, repeat(server.url(u"/ok"_s), tasks), BatchSettings{50, 50, 30'000, 0});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), tasks);
        QCOMPARE(observer.latest.size(), size_t(tasks));
        // Every task changes state at least twice; deliveries are far fewer than changes.
        QVERIFY2(observer.deliveries < tasks / 4, qPrintable(QString::number(observer.deliveries)));
    }

    // A host that answers 429 gets fewer connections: six 429s take its limit of 6 down to 1,
    // and the tasks after them run one at a time until a run of successes gives one back.
    void aHostThatAnswers429IsSlowedDown()
    {
        const QUrl busy = nginxUrl(u"/status/429"_s);
        QVERIFY2(!busy.isEmpty(), "the nginx fixture is not running (LOOPSCOPE_NGINX_DIR/port)");
        QList<QUrl> urls;
        for (int i = 0; i < 6; ++i)
            urls << QUrl(busy.toString() + u"?n="_s + QString::number(i));
        const int slowTasks = HostQueue::SuccessesToGrow + 4;
        for (int i = 0; i < slowTasks; ++i)
            urls << nginxUrl(u"/delay/40?n="_s + QString::number(i));
        BatchSettings settings;
        settings.concurrency = 6;
        settings.retries = 0;
        Engine engine;
        std::map<TaskId, TaskRecord> latest;
        QStringList reasons;
        QObject listener;
        connect(&engine, &Engine::updated, &listener, [&](const EngineUpdate &update) {
            for (const TaskRecord &task : update.tasks)
                latest[task.id] = task;
            for (const BatchRecord &batch : update.batches)
                if (!batch.blockedText().isEmpty() && !reasons.contains(batch.blockedText()))
                    reasons << batch.blockedText();
        });
        const BatchId id = engine.addBatch(u"slowed"_s, urls, settings);
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Failed), 6);
        QCOMPARE(batch.count(TaskState::Succeeded), slowTasks);
        // Ten successes gave one connection back; still slowed, and saying so.
        QCOMPARE(batch.slowedHosts.size(), 1);
        QCOMPARE(batch.slowedHosts.first().limit, 2);
        QVERIFY2(batch.slowedHosts.first().reason.endsWith(u": 2 of 6"_s), qPrintable(batch.slowedHosts.first().reason));
        // How many of the delayed tasks ran at once, from when each started and ended.
        std::vector<std::pair<qint64, int>> edges;
        for (const auto &[task, record] : latest) {
            if (!record.url.path().startsWith(u"/delay/"_s))
                continue;
            edges.emplace_back(record.startedAt, 1);
            edges.emplace_back(record.finishedAt, -1);
        }
        std::sort(edges.begin(), edges.end()); // an end sorts before a start at the same millisecond
        int running = 0, most = 0;
        for (const auto &[at, change] : edges)
            most = std::max(most, running += change);
        QVERIFY2(most <= 2, qPrintable(QString::number(most)));
        const bool said = std::any_of(reasons.cbegin(), reasons.cend(), [](const QString &reason) {
            return reason.contains(u"waiting: 1 of 1 connections to 127.0.0.1:"_s) && reason.contains(u"(slowed after 429 at "_s)
                && reason.endsWith(u": 1 of 6)"_s);
        });
        QVERIFY2(said, qPrintable(reasons.join(u" | "_s)));
    }

    // Thousands of fast tasks against nginx change one after another; observers still hear at
    // most one delivery per ~33 ms (30 a second) of the time the batch ran, every delivery
    // carries only records that changed, and the last record heard of each task is its final one.
    void deliveriesAreBoundedByTheTimeTheBatchRan()
    {
        const QUrl ok = nginxUrl(u"/ok"_s);
        QVERIFY2(!ok.isEmpty(), "the nginx fixture is not running (LOOPSCOPE_NGINX_DIR/port)");
        // The publisher's timer is coarse: it may fire up to 5 % early.
        constexpr double MinSpacingMs = 33 * 0.95;
        const int tasks = 3000;

        QElapsedTimer clock;
        int deliveries = 0;
        qint64 lastDeliveryMs = 0;
        int unchangedRecords = 0;
        std::map<TaskId, TaskRecord> latest;
        BatchRecord lastBatch;
        Engine engine;
        QObject listener; // gone first, with any update still posted to it, before what it writes to
        connect(&engine, &Engine::updated, &listener, [&](const EngineUpdate &update) {
            ++deliveries;
            lastDeliveryMs = clock.elapsed();
            for (const TaskRecord &task : update.tasks) {
                const auto seen = latest.find(task.id);
                if (seen != latest.end() && changeOf(seen->second) == changeOf(task))
                    ++unchangedRecords;
                latest[task.id] = task;
            }
            for (const BatchRecord &batch : update.batches)
                lastBatch = batch;
        });

        clock.start();
        const BatchId id = engine.addBatch(u"fast"_s, repeat(ok, tasks), BatchSettings{50, 50, 30'000, 0});
        const QFuture<QList<TaskRecord>> gathered = engine.gather(id);
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        ASSIGN_OR_FAIL(const QList<TaskRecord> finished, resultWithin(gathered, 30'000, u"the gather of batch %1"_s.arg(id)));
        QCOMPARE(batch.count(TaskState::Succeeded), tasks);
        QCOMPARE(finished.size(), qsizetype(tasks));
        // The update with the final records was emitted before the batch finished; it may still
        // be on its way to this thread.
        QTRY_COMPARE(lastBatch.count(TaskState::Succeeded), tasks);

        // Every task's final record arrived, and was the last heard of it.
        QCOMPARE(latest.size(), size_t(tasks));
        for (const TaskRecord &task : finished) {
            const auto heard = latest.find(task.id);
            QVERIFY2(heard != latest.end(), qPrintable(u"task %1 was never delivered"_s.arg(task.id)));
            QCOMPARE(heard->second.state, TaskState::Succeeded);
            QVERIFY2(changeOf(heard->second) == changeOf(task), qPrintable(u"task %1: the last record delivered is not its final one"_s.arg(task.id)));
        }
        QCOMPARE(lastBatch.total, tasks);
        QCOMPARE(lastBatch.count(TaskState::Succeeded), batch.count(TaskState::Succeeded));
        QCOMPARE(unchangedRecords, 0);

        // Deliveries go out one flush interval apart at the least, so their number is bounded
        // by the time between the batch's start and the last one heard (+2: the first, and the
        // batch's end, go out at once).
        const qint64 bound = qint64(lastDeliveryMs / MinSpacingMs) + 2;
        QVERIFY2(deliveries <= bound,
                 qPrintable(u"%1 deliveries in %2 ms: more than one per %3 ms"_s.arg(deliveries).arg(lastDeliveryMs).arg(MinSpacingMs)));
    }

    void queuedTasksAreAnnouncedUnlessTurnedOff_data()
    {
        QTest::addColumn<bool>("announced");
        QTest::newRow("announced (the default)") << true;
        QTest::newRow("turned off") << false;
    }

    void queuedTasksAreAnnouncedUnlessTurnedOff()
    {
        QFETCH(bool, announced);
        TestHttpServer server;
        Engine engine;
        if (!announced)
            engine.setQueuedTasksAnnounced(false);
        int queuedRecords = 0;
        std::map<TaskId, TaskState> last;
        QObject listener;
        connect(&engine, &Engine::updated, &listener, [&](const EngineUpdate &update) {
            for (const TaskRecord &task : update.tasks) {
                queuedRecords += task.state == TaskState::Queued;
                last[task.id] = task.state;
            }
        });
        // One worker: all but the first wait in the queue while the first runs.
        const BatchId id = engine.addBatch(u"one by one"_s, repeat(server.url(u"/delay/50"_s), 6), BatchSettings{1, 1, 30'000, 0});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), 6);
        // Starts and ends are delivered either way.
        QTRY_COMPARE(last.size(), size_t(6));
        for (const auto &[task, state] : last)
            QCOMPARE(state, TaskState::Succeeded);
        if (announced)
            QCOMPARE_GE(queuedRecords, 5);
        else
            QCOMPARE(queuedRecords, 0);
    }

    void observersOnAnotherThreadHearOnTheirThread()
    {
        TestHttpServer server;
        Engine engine;
        QThread observerThread;
        auto *observer = new Observer(engine);
        observer->moveToThread(&observerThread);
        startLoopThread(observerThread);
        const BatchId id = engine.addBatch(u"far"_s, repeat(server.url(u"/ok"_s), 3), BatchSettings{});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Succeeded), 3);
        QTRY_VERIFY(observer->deliveredOn.load() != nullptr);
        QCOMPARE(observer->deliveredOn.load(), &observerThread);
        // Deleted on its thread, and known here to be gone (the engine it listened to goes
        // next) through an atomic, not through the thread's end, which Qt orders unseen.
        std::atomic<bool> deleted = false;
        Mailbox::post(&observerThread, [observer, &deleted] {
            delete observer;
            deleted = true;
        });
        QTRY_VERIFY(deleted.load());
        endLoopThread(observerThread);
    }

    void plansRunUnderTheirOwnIds()
    {
        // As a resumed batch does: ids the caller gives, with gaps, and cancelling by them.
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        BatchPlan plan{41, u"resumed"_s, BatchSettings{}, encodedUrls({server.url(u"/ok"_s), server.url(u"/hang"_s), server.url(u"/ok?3"_s)}),
                       {104, 107, 108}};
        plan.settings.concurrency = 3;
        QCOMPARE(engine.addBatch(plan), BatchId(41));
        QTRY_COMPARE(server.inFlight(), 1);
        engine.cancelTask(107);
        ASSIGN_OR_FAIL(const BatchRecord done, waitForBatch(engine, 41));
        QCOMPARE(done.count(TaskState::Succeeded), 2);
        QCOMPARE(done.count(TaskState::Cancelled), 1);
        QCOMPARE(done.firstTask, TaskId(104));
        QTRY_COMPARE(observer.latest.size(), size_t(3));
        QCOMPARE(observer.latest.at(107).state, TaskState::Cancelled);
        QCOMPARE(observer.latest.at(108).url, server.url(u"/ok?3"_s));
        QCOMPARE(observer.latest.at(104).batch, BatchId(41));
    }

    void aFinishedBatchIsLetGoButItsAggregatesStay()
    {
        TestHttpServer server;
        Engine engine;
        const BatchId id = engine.addBatch(u"short"_s, repeat(server.url(u"/delay/10"_s), 3), BatchSettings{});
        QFuture<QList<TaskRecord>> gathered = engine.gather(id);
        ASSIGN_OR_FAIL(const BatchRecord done, waitForBatch(engine, id));
        QCOMPARE(done.count(TaskState::Succeeded), 3);
        QTRY_VERIFY(gathered.isFinished());
        QCOMPARE(gathered.result().size(), 3);
        // Asked after the end: the aggregates are kept, the tasks are no longer held.
        ASSIGN_OR_FAIL(const BatchRecord late, waitForBatch(engine, id));
        QCOMPARE(late.count(TaskState::Succeeded), 3);
        ASSIGN_OR_FAIL(const QList<TaskRecord> held, resultWithin(engine.tasks(id), 5'000, u"the tasks of a finished batch"_s));
        QVERIFY2(held.isEmpty(), qPrintable(u"%1 task records still held"_s.arg(held.size())));
    }

    void emptyBatchFinishesAtOnce()
    {
        Engine engine;
        const BatchId id = engine.addBatch(u"empty"_s, {}, BatchSettings{});
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.total, 0);
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
