// The history database: batches written before they run, every change of their tasks,
// ownership by live processes, taking over what a dead one left, and schema migration.
#include "Engine.h"
#include "History.h"
#include "HistoryDatabase.h"
#include "HistoryFile.h"
#include "HistoryRecorder.h"
#include "UrlList.h"
#include "support/DatabaseDamage.h"
#include "support/TestHttpServer.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
QList<QByteArray> urls(int count)
{
    QList<QByteArray> list;
    for (int i = 0; i < count; ++i)
        list << "http://127.0.0.1:9/" + QByteArray::number(i);
    return list;
}

// A self-signed certificate, as a batch's extra trusted CA.
QByteArray pemCertificate()
{
    return QByteArrayLiteral(
           "-----BEGIN CERTIFICATE-----\n"
           "MIIBmTCCAT+gAwIBAgIUTKH6q6lWmQpx4BRdTcCpekgLyu8wCgYIKoZIzj0EAwIw\n"
           "ITEfMB0GA1UEAwwWTG9vcHNjb3BlIGhpc3RvcnkgdGVzdDAgFw0yNjExMjUxMjI1\n"
           "MzBaGA8yMTI2MTEwMTEyMjUzMFowITEfMB0GA1UEAwwWTG9vcHNjb3BlIGhpc3Rv\n"
           "cnkgdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBTRPypadZeGs3KzBxiD\n"
           "aYvsLaf7W+jRDRyNn8UNjcO3JHyXkv0SavkusS0W68tlJE1cu1BtScrcwgdUcoOM\n"
           "G1CjUzBRMB0GA1UdDgQWBBRGpBPPe0MlzS9PM4TjxC1c4ON3ZzAfBgNVHSMEGDAW\n"
           "gBRGpBPPe0MlzS9PM4TjxC1c4ON3ZzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49\n"
           "BAMCA0gAMEUCIQCgEW2Fd/mj+rxGHChudfIRCj7PPxVhE3WXXmvJs4DhUAIgCZaM\n"
           "ax5DsFlmnuwSK+4Xsnb2jwNExVF5IgmnwSC2gWA=\n"
           "-----END CERTIFICATE-----\n");
}

// The database at path, or nullptr after a warning that says why not.
std::unique_ptr<HistoryDatabase> openHistory(const QString &path, HistoryDatabase::Access access = HistoryDatabase::Access::ReadWrite)
{
    Result<std::unique_ptr<HistoryDatabase>> opened = HistoryDatabase::open(path, access);
    if (!opened) {
        qWarning("%s", qPrintable(opened.error()));
        return nullptr;
    }
    return std::move(opened).value();
}

QList<TaskRow> rowsOf(HistoryDatabase &db, BatchId batch = 0)
{
    QList<TaskRow> rows;
    if (const Result<> read = db.forEachTask(batch, [&rows](const TaskRow &row) { rows.append(row); }); !read)
        qWarning("%s", qPrintable(read.error()));
    return rows;
}

TaskRecord ended(TaskId id, BatchId batch, TaskState state, int status = 200)
{
    TaskRecord task;
    task.id = id;
    task.batch = batch;
    task.url = QUrl(u"http://127.0.0.1:9/x"_s);
    task.state = state;
    task.httpStatus = status;
    task.attempts = 1;
    task.worker = u"Worker 1"_s;
    task.queuedAt = 0;
    task.startedAt = 10;
    task.finishedAt = 30;
    if (isTerminal(state))
        task.attemptLog << AttemptRecord{status, ErrorKind::None, {}, {}};
    return task;
}

// A history with its schema and no batch, closed: ready to be damaged.
bool createEmptyHistory(const QString &path)
{
    return openHistory(path) != nullptr;
}

// How SQLite's failures are said: the file, then SQLite's own words.
bool namesFileAndCause(const Failure &failure, const QString &path, const QString &cause)
{
    const QString expected = u"history database "_s + path + u": "_s + cause;
    if (failure.message == expected && failure.kind == ErrorKind::Disk)
        return true;
    qWarning("said \"%s\" (kind %s), not \"%s\"", qPrintable(failure.message), qPrintable(errorKindName(failure.kind)), qPrintable(expected));
    return false;
}

const QString Malformed = u"database disk image is malformed"_s;
const QString ReadOnly = u"attempt to write a readonly database"_s;
} // namespace

class TestHistory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void batchesAreWrittenBeforeTheyRunAndChangesAfter()
    {
        QTemporaryDir dir;
        auto db = openHistory(dir.filePath(u"h.sqlite"_s));
        QVERIFY(db);
        const auto plan = db->createBatch(u"first"_s, urls(3), BatchSettings{4, 2, 5'000, 1}, {});
        QVERIFY2(plan, qPrintable(plan.error()));
        QCOMPARE(plan->urls.size(), 3);
        QCOMPARE(plan->taskIds.size(), 3);
        QCOMPARE(plan->taskIds[2], plan->taskIds[0] + 2); // consecutive
        QList<TaskRow> rows = rowsOf(*db, plan->id);
        QCOMPARE(rows.size(), 3);
        for (const TaskRow &row : rows)
            QCOMPARE(row.state, u"queued"_s);

        EngineUpdate update;
        update.tasks << ended(plan->taskIds[0], plan->id, TaskState::Succeeded)
                     << ended(plan->taskIds[1], plan->id, TaskState::Failed, 503)
                     << ended(999, 999, TaskState::Succeeded); // not this process's batch: ignored
        QVERIFY(db->record(update).ok());
        rows = rowsOf(*db, plan->id);
        QCOMPARE(rows[0].state, u"succeeded"_s);
        QCOMPARE(rows[0].runMs, 20);
        QCOMPARE(rows[0].worker, u"Worker 1"_s);
        QCOMPARE(rows[1].state, u"failed"_s);
        QCOMPARE(rows[1].httpStatus, 503);
        QCOMPARE(rows[2].state, u"queued"_s);
        QCOMPARE(rowsOf(*db).size(), 3);

        const auto summary = db->batch(plan->id);
        QVERIFY(summary);
        QCOMPARE(summary->name, u"first"_s);
        QCOMPARE(summary->total, 3);
        QCOMPARE(summary->succeeded, 1);
        QCOMPARE(summary->failed, 1);
        QCOMPARE(summary->unfinished, 1);
        QCOMPARE(summary->settings.concurrency, 4);
        QCOMPARE(summary->settings.retries, 1);
    }

    void theEngineRecordsThroughTheHistoryThread()
    {
        QTemporaryDir dir;
        TestHttpServer server;
        const QString path = dir.filePath(u"h.sqlite"_s);
        QJsonObject live;
        {
            Result<std::unique_ptr<History>> opened = History::open(path);
            QVERIFY2(opened, qPrintable(opened.error()));
            const std::unique_ptr<History> history = std::move(opened).value();
            Engine engine;
            history->follow(engine);
            BatchSettings settings;
            settings.retries = 2;
            settings.caCertificates = QSslCertificate::fromData(pemCertificate());
            settings.idleTimeoutMs = 7'000;
            settings.maxBytes = 1'000'000;
            QFuture<Result<BatchPlan>> created = history->createBatch(u"live"_s, encodedUrls({server.url(u"/ok"_s), server.url(u"/status/500"_s)}),
                                                                     settings);
            QTRY_VERIFY(created.isFinished());
            QVERIFY2(created.result(), qPrintable(created.result().error()));
            const BatchId id = engine.addBatch(*created.result());
            QFuture<BatchRecord> done = engine.whenBatchFinished(id);
            QFuture<QList<TaskRecord>> tasks = engine.gather(id);
            QTRY_VERIFY(done.isFinished());
            QTRY_VERIFY(tasks.isFinished());
            live = TaskRow::from(tasks.result().first()).toJson();
            engine.shutdown();
        } // the history closes after writing what the engine sent
        auto db = openHistory(path);
        QVERIFY(db);
        const QList<TaskRow> rows = rowsOf(*db);
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0].state, u"succeeded"_s);
        QCOMPARE(rows[1].state, u"failed"_s);
        QCOMPARE(rows[1].httpStatus, 500);
        QCOMPARE(rows[0].toJson(), live); // export and --jsonl write the same record
        // Every attempt has its row: the 500 was tried three times.
        const QList<AttemptRecord> attempts = *db->attempts(rows[1].id);
        QCOMPARE(attempts.size(), 3);
        for (const AttemptRecord &attempt : attempts) {
            QCOMPARE(attempt.httpStatus, 500);
            QCOMPARE(attempt.errorKind, ErrorKind::Http);
        }
        QCOMPARE(db->attempts(rows[0].id)->size(), 1);
        QVERIFY(db->orphaned()->isEmpty()); // it ended cleanly: nothing to resume
        // The batch's settings, all of them, for a resume to run it the same way.
        const BatchSettings kept = db->batch(rows[0].batch)->settings;
        QCOMPARE(kept.retries, 2);
        QCOMPARE(kept.idleTimeoutMs, 7'000);
        QCOMPARE(kept.maxBytes, 1'000'000);
        QCOMPARE(kept.caCertificates, QSslCertificate::fromData(pemCertificate()));
    }

    void batchesOfAGoneProcessAreTakenOverOnce()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        auto gone = openHistory(path);
        QVERIFY(gone);
        const auto plan = gone->createBatch(u"interrupted"_s, urls(4), BatchSettings{}, {});
        QVERIFY(plan);
        EngineUpdate update;
        update.tasks << ended(plan->taskIds[0], plan->id, TaskState::Succeeded);
        TaskRecord running = ended(plan->taskIds[1], plan->id, TaskState::Running, 0);
        running.finishedAt = -1;
        update.tasks << running;
        QVERIFY(gone->record(update).ok());

        auto survivor = openHistory(path);
        QVERIFY(survivor);
        QVERIFY(survivor->orphaned()->isEmpty()); // its owner still runs
        QVERIFY(survivor->claim({plan->id})->isEmpty());
        gone.reset(); // the owner ends without finishing its batch

        const QList<HistoryBatch> orphans = *survivor->orphaned();
        QCOMPARE(orphans.size(), 1);
        QCOMPARE(orphans.first().unfinished, 3);
        const QList<BatchPlan> taken = *survivor->claim({plan->id});
        QCOMPARE(taken.size(), 1);
        QCOMPARE(taken.first().id, plan->id);
        QCOMPARE(taken.first().name, u"interrupted"_s);
        // The running task and the two queued ones, under their ids; the finished one never again.
        QCOMPARE(taken.first().taskIds, (QList<TaskId>{plan->taskIds[1], plan->taskIds[2], plan->taskIds[3]}));
        QCOMPARE(rowsOf(*survivor, plan->id)[1].state, u"queued"_s);

        auto third = openHistory(path);
        QVERIFY(third->orphaned()->isEmpty()); // the survivor owns it now
        QVERIFY(third->claim({plan->id})->isEmpty());
    }

    void discardedBatchesEndCancelled()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        auto gone = openHistory(path);
        const auto plan = gone->createBatch(u"dropped"_s, urls(2), BatchSettings{}, {});
        QVERIFY(plan);
        gone.reset();
        auto survivor = openHistory(path);
        QVERIFY(survivor->discard({plan->id}).ok());
        for (const TaskRow &row : rowsOf(*survivor, plan->id)) {
            QCOMPARE(row.state, u"cancelled"_s);
            QCOMPARE(row.cancelReason, u"not resumed"_s);
            QVERIFY(row.finishedAt > 0);
        }
        QVERIFY(survivor->orphaned()->isEmpty());
    }

    void retriesAreLinkedToWhatTheyRetry()
    {
        QTemporaryDir dir;
        auto db = openHistory(dir.filePath(u"h.sqlite"_s));
        const auto original = db->createBatch(u"original"_s, urls(2), BatchSettings{}, {});
        const auto retry = db->createBatch(u"retry"_s, {urls(2)[1]}, BatchSettings{}, {original->taskIds[1]});
        QVERIFY(retry);
        QCOMPARE(rowsOf(*db, retry->id).first().retryOf, original->taskIds[1]);
        QCOMPARE(db->batch(retry->id)->retryOf, original->id);
        QCOMPARE(rowsOf(*db, original->id).first().retryOf, TaskId(0));
    }

    void anOlderSchemaIsMigratedWithItsData()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"old.sqlite"_s);
        {
            // A database as schema 1 left it.
            QSqlDatabase old = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"old"_s);
            old.setDatabaseName(path);
            QVERIFY(old.open());
            QSqlQuery query(old);
            for (const char *statement : {
                     "CREATE TABLE batches (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created_at INTEGER NOT NULL,"
                     " settings TEXT NOT NULL, owner TEXT NOT NULL)",
                     "CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, batch_id INTEGER NOT NULL REFERENCES batches(id),"
                     " url TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'queued', worker TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
                     " http_status INTEGER, bytes INTEGER NOT NULL DEFAULT 0, final_url TEXT, error TEXT, cancel_reason TEXT,"
                     " queued_at INTEGER, started_at INTEGER, finished_at INTEGER, queued_ms INTEGER NOT NULL DEFAULT 0,"
                     " run_ms INTEGER NOT NULL DEFAULT 0)",
                     "CREATE INDEX tasks_by_batch ON tasks(batch_id, id)",
                     "INSERT INTO batches VALUES (1, 'kept', 1700000000000, '{\"concurrency\":3}', 'gone')",
                     "INSERT INTO tasks (batch_id, url, state, http_status) VALUES (1, 'http://example.org/', 'succeeded', 200)",
                     "PRAGMA user_version=1"}) {
                QVERIFY2(query.exec(QString::fromLatin1(statement)), qPrintable(query.lastError().text()));
            }
            old.close();
        }
        QSqlDatabase::removeDatabase(u"old"_s);
        auto db = openHistory(path);
        QVERIFY(db);
        const QList<TaskRow> rows = rowsOf(*db);
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().url, u"http://example.org/"_s);
        QCOMPARE(rows.first().httpStatus, 200);
        QVERIFY(rows.first().errorKind.isEmpty());
        QCOMPARE(db->batch(1)->settings.concurrency, 3);
        // And the new schema works on it.
        QVERIFY(db->createBatch(u"new"_s, urls(1), BatchSettings{}, {rows.first().id}));
    }

    void aFileThatCannotBeWrittenRefusesChangesNamingIt()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        auto gone = openHistory(path);
        QVERIFY(gone);
        const auto plan = gone->createBatch(u"left"_s, urls(2), BatchSettings{}, {});
        QVERIFY(plan);
        gone.reset();

        auto readOnly = openHistory(path, HistoryDatabase::Access::ReadOnly);
        QVERIFY(readOnly); // reading works
        QCOMPARE(readOnly->orphaned()->size(), 1);
        const auto created = readOnly->createBatch(u"new"_s, urls(2), BatchSettings{}, {});
        QVERIFY(!created);
        QVERIFY(namesFileAndCause(created.failure(), path, ReadOnly));
        const auto claimed = readOnly->claim({plan->id});
        QVERIFY(!claimed);
        QVERIFY(namesFileAndCause(claimed.failure(), path, ReadOnly));
        const Result<> discarded = readOnly->discard({plan->id});
        QVERIFY(!discarded);
        QVERIFY(namesFileAndCause(discarded.failure(), path, ReadOnly));
        // Nothing was taken: the batch waits for a process that can write.
        auto writer = openHistory(path);
        QCOMPARE(writer->claim({plan->id})->size(), 1);
    }

    void aFailedRecordIsRolledBackAndSaid()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        QVERIFY(createEmptyHistory(path));
        const QString damaged = DatabaseDamage::breakTable(path, u"attempts"_s);
        QVERIFY2(damaged.isEmpty(), qPrintable(damaged));

        auto db = openHistory(path);
        QVERIFY(db);
        const auto plan = db->createBatch(u"damaged"_s, urls(2), BatchSettings{}, {}); // tasks and batches are whole
        QVERIFY2(plan, qPrintable(plan.error()));
        EngineUpdate update;
        // Cancelled before it started: a row without attempts, which alone could be written.
        TaskRecord cancelled = ended(plan->taskIds[0], plan->id, TaskState::Cancelled, 0);
        cancelled.attemptLog.clear();
        update.tasks << cancelled << ended(plan->taskIds[1], plan->id, TaskState::Succeeded); // its attempt cannot be written
        const Result<qsizetype> recorded = db->record(update);
        QVERIFY(!recorded);
        QVERIFY(namesFileAndCause(recorded.failure(), path, Malformed));
        // All of the update or none of it: the first task's change went with the second's.
        QCOMPARE(rowsOf(*db, plan->id)[0].state, u"queued"_s);
        // The next update is written: no transaction was left open.
        EngineUpdate next;
        next.tasks << cancelled;
        const Result<qsizetype> again = db->record(next);
        QVERIFY2(again, qPrintable(again.error()));
        QCOMPARE(rowsOf(*db, plan->id)[0].state, u"cancelled"_s);
    }

    void onlyEndsAreWritten()
    {
        QTemporaryDir dir;
        auto db = openHistory(dir.filePath(u"h.sqlite"_s));
        QVERIFY(db);
        const auto plan = db->createBatch(u"ends"_s, urls(2), BatchSettings{}, {});
        QVERIFY2(plan, qPrintable(plan.error()));
        EngineUpdate update;
        TaskRecord running = ended(plan->taskIds[0], plan->id, TaskState::Running, 0);
        running.finishedAt = -1;
        update.tasks << running << ended(plan->taskIds[1], plan->id, TaskState::Succeeded);
        QVERIFY(db->record(update));
        // A running task is resumed as a queued one would be; its row waits for its end.
        QCOMPARE(rowsOf(*db, plan->id)[0].state, u"queued"_s);
        QCOMPARE(rowsOf(*db, plan->id)[1].state, u"succeeded"_s);
    }

    void readingStopsAtADamagedPageAndSaysSo()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        {
            auto db = openHistory(path);
            QVERIFY(db);
            QVERIFY(db->createBatch(u"large"_s, urls(400), BatchSettings{}, {})); // several pages of tasks
        }
        const QString damaged = DatabaseDamage::breakLastPage(path, u"tasks"_s);
        QVERIFY2(damaged.isEmpty(), qPrintable(damaged));

        auto db = openHistory(path);
        QVERIFY(db);
        int visited = 0;
        const Result<> read = db->forEachTask(0, [&visited](const TaskRow &) { ++visited; });
        QVERIFY2(visited > 0 && visited < 400, qPrintable(QString::number(visited)));
        QVERIFY(!read);
        QVERIFY(namesFileAndCause(read.failure(), path, Malformed));
    }

    void aRecorderSaysAFailureOnceNotForEveryUpdate()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        QVERIFY(createEmptyHistory(path));
        const QString damaged = DatabaseDamage::breakTable(path, u"attempts"_s);
        QVERIFY2(damaged.isEmpty(), qPrintable(damaged));
        auto db = openHistory(path);
        QVERIFY(db);
        const auto plan = db->createBatch(u"damaged"_s, urls(4), BatchSettings{}, {});
        QVERIFY(plan);

        HistoryRecorder recorder(*db);
        QSignalSpy failed(&recorder, &HistoryRecorder::failed);
        for (int i = 0; i < 3; ++i) {
            EngineUpdate update;
            update.tasks << ended(plan->taskIds[i], plan->id, TaskState::Succeeded);
            recorder.record(update);
        }
        QCOMPARE(failed.size(), 1);
        QVERIFY(namesFileAndCause(failed.first().first().value<Failure>(), path, Malformed));
        // An update without task ends writes nothing that failed: it is no sign of a repair.
        EngineUpdate starting;
        TaskRecord running = ended(plan->taskIds[3], plan->id, TaskState::Running, 0);
        running.finishedAt = -1;
        starting.tasks << running;
        recorder.record(starting);
        EngineUpdate failing;
        failing.tasks << ended(plan->taskIds[0], plan->id, TaskState::Succeeded);
        recorder.record(failing);
        QCOMPARE(failed.size(), 1);
        // Said again once task ends were written in between: a task cancelled before it ran
        // has no attempt to write.
        EngineUpdate working;
        TaskRecord cancelled = ended(plan->taskIds[3], plan->id, TaskState::Cancelled, 0);
        cancelled.attemptLog.clear();
        working.tasks << cancelled;
        recorder.record(working);
        QCOMPARE(failed.size(), 1);
        recorder.record(failing);
        QCOMPARE(failed.size(), 2);
    }

    void theHistorySaysRecordingFailuresOnTheObserversThread()
    {
        QTemporaryDir dir;
        TestHttpServer server;
        const QString path = dir.filePath(u"h.sqlite"_s);
        QVERIFY(createEmptyHistory(path));
        const QString damaged = DatabaseDamage::breakTable(path, u"attempts"_s);
        QVERIFY2(damaged.isEmpty(), qPrintable(damaged));

        Result<std::unique_ptr<History>> opened = History::open(path);
        QVERIFY2(opened, qPrintable(opened.error()));
        const std::unique_ptr<History> history = std::move(opened).value();
        Engine engine;
        history->follow(engine);
        QList<Failure> failures;
        QList<QThread *> threads;
        QObject observer;
        history->onFailure(&observer, [&](const Failure &failure) {
            failures << failure;
            threads << QThread::currentThread();
        });
        // Tasks that end at different times, so that several updates fail the same way.
        QFuture<Result<BatchPlan>> created = history->createBatch(
            u"damaged"_s, encodedUrls({server.url(u"/ok"_s), server.url(u"/delay/150"_s), server.url(u"/delay/300"_s)}), BatchSettings{});
        QTRY_VERIFY(created.isFinished());
        QVERIFY2(created.result(), qPrintable(created.result().error()));
        QFuture<BatchRecord> done = engine.whenBatchFinished(engine.addBatch(*created.result()));
        QTRY_VERIFY(done.isFinished());
        QFuture<void> written = history->written();
        QTRY_VERIFY(written.isFinished());
        // Every failure was queued here before written() finished.
        QCoreApplication::sendPostedEvents();
        QCOMPARE(failures.size(), 1);
        QVERIFY(namesFileAndCause(failures.first(), path, Malformed));
        QCOMPARE(threads.first(), QThread::currentThread());
        engine.shutdown();
    }

    void theHistoryIsReadableByItsOwnerAlone()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        QVERIFY(openHistory(path));
        const QFile::Permissions others = QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther;
        QCOMPARE(QFile::permissions(path) & others, QFile::Permissions());
        QCOMPARE(QFile::permissions(path + u".runs"_s) & (others | QFile::ExeGroup | QFile::ExeOther), QFile::Permissions());
        // One made readable by others, as an older Loopscope did, is brought into line.
        QVERIFY(QFile::setPermissions(path, QFile::permissions(path) | QFile::ReadGroup | QFile::ReadOther));
        QVERIFY(openHistory(path));
        QCOMPARE(QFile::permissions(path) & others, QFile::Permissions());
    }

    void whatIsWrongWithAFileIsTold()
    {
        QTemporaryDir dir;
        const QString good = dir.filePath(u"good.sqlite"_s);
        QVERIFY(createEmptyHistory(good));
        QCOMPARE(HistoryFile::troubleOf(good), HistoryFile::Trouble::Other);

        const QString garbage = dir.filePath(u"garbage.sqlite"_s);
        QFile file(garbage);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(20'000, 'x'));
        file.close();
        QCOMPARE(HistoryFile::troubleOf(garbage), HistoryFile::Trouble::Damaged);

        const QString cut = dir.filePath(u"cut.sqlite"_s);
        {
            auto db = openHistory(cut);
            QVERIFY(db->createBatch(u"large"_s, urls(400), BatchSettings{}, {}));
        }
        QVERIFY(QFile::resize(cut, QFileInfo(cut).size() / 2));
        QCOMPARE(HistoryFile::troubleOf(cut), HistoryFile::Trouble::Damaged);
        const Result<std::unique_ptr<HistoryDatabase>> opened = HistoryDatabase::open(cut);
        QVERIFY(!opened || !opened.value()->createBatch(u"more"_s, urls(1), BatchSettings{}, {}));

        // Held by another connection, as by another process.
        QSqlDatabase holder = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"holder"_s);
        holder.setDatabaseName(good);
        QVERIFY(holder.open());
        QVERIFY(QSqlQuery(holder).exec(u"BEGIN EXCLUSIVE"_s));
        QCOMPARE(HistoryFile::troubleOf(good), HistoryFile::Trouble::Busy);
        QVERIFY(QSqlQuery(holder).exec(u"ROLLBACK"_s));
        holder.close();
        holder = {};
        QSqlDatabase::removeDatabase(u"holder"_s);
        QCOMPARE(HistoryFile::troubleOf(good), HistoryFile::Trouble::Other);
    }

    void aDamagedFileIsMovedAsideNeverDeleted()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"history.sqlite"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not a database");
        file.close();
        const QDateTime at(QDate(2026, 12, 4), QTime(10, 15, 0));
        const Result<QString> aside = HistoryFile::moveAside(path, at);
        QVERIFY2(aside, qPrintable(aside.error()));
        QCOMPARE(*aside, path + u".damaged-2026-12-04-101500"_s);
        QVERIFY(!QFileInfo::exists(path));
        QFile kept(*aside);
        QVERIFY(kept.open(QIODevice::ReadOnly));
        QCOMPARE(kept.readAll(), QByteArray("not a database"));
        // A second damaged file at the same moment does not take the first one's place.
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        const Result<QString> again = HistoryFile::moveAside(path, at);
        QVERIFY(!again);
        QCOMPARE(again.error(), u"cannot move %1 aside: %2 exists"_s.arg(path, *aside));
        QVERIFY(QFileInfo::exists(path));
        QVERIFY(createEmptyHistory(dir.filePath(u"new.sqlite"_s)));
    }

    void whatCanBeReadOfADamagedFileIsRecovered()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"history.sqlite"_s);
        {
            auto db = openHistory(path);
            QVERIFY(db->createBatch(u"small"_s, urls(3), BatchSettings{}, {}));
            QVERIFY(db->createBatch(u"large"_s, urls(2'000), BatchSettings{}, {})); // many pages of tasks
        }
        QFile original(path);
        QVERIFY(original.open(QIODevice::ReadOnly));
        const QString damage = DatabaseDamage::breakMiddlePage(path, u"tasks"_s);
        QVERIFY2(damage.isEmpty(), qPrintable(damage));
        const QByteArray damagedBytes = original.readAll();
        original.close();
        QCOMPARE(HistoryFile::troubleOf(path), HistoryFile::Trouble::Damaged);

        const Result<HistoryFile::Recovered> recovered = HistoryFile::recover(path, QDateTime(QDate(2026, 12, 4), QTime(10, 15, 0)));
        QVERIFY2(recovered, qPrintable(recovered.error()));
        QCOMPARE(recovered->batches, 2);
        // Rows before the damaged page and after it: one page holds far fewer than 1,000.
        QVERIFY2(recovered->tasks > 1'000 && recovered->tasks < 2'003, qPrintable(QString::number(recovered->tasks)));
        QFile kept(recovered->aside);
        QVERIFY(kept.open(QIODevice::ReadOnly));
        QCOMPARE(kept.readAll(), damagedBytes); // the damaged file, as it was

        QCOMPARE(HistoryFile::troubleOf(path), HistoryFile::Trouble::Other);
        auto db = openHistory(path);
        QVERIFY(db);
        const QList<TaskRow> rows = rowsOf(*db);
        QCOMPARE(rows.size(), recovered->tasks);
        QCOMPARE(rows.last().id, TaskId(2'003)); // the rows after the damage too
        QVERIFY(db->createBatch(u"after"_s, urls(1), BatchSettings{}, {}));
    }

    void theWindowAndTheCommandsShareOneHistory()
    {
        const QString commands = History::defaultPath();
        QCoreApplication::setOrganizationName(u"loopscope"_s); // as the window does
        QCOMPARE(History::defaultPath(), commands);
        QCoreApplication::setOrganizationName({});
        QVERIFY(commands.endsWith(u"/loopscope/history.sqlite"_s));
    }

    void unusableFilesAreNamed()
    {
        QTemporaryDir dir;
        const auto unusable = HistoryDatabase::open(u"/proc/loopscope/h.sqlite"_s);
        QVERIFY(!unusable);
        QVERIFY2(unusable.error().startsWith(u"history database /proc/loopscope/h.sqlite: "_s), qPrintable(unusable.error()));

        const QString newer = dir.filePath(u"newer.sqlite"_s);
        {
            QSqlDatabase future = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"future"_s);
            future.setDatabaseName(newer);
            QVERIFY(future.open());
            QSqlQuery(future).exec(u"PRAGMA user_version=99"_s);
            future.close();
        }
        QSqlDatabase::removeDatabase(u"future"_s);
        const auto tooNew = HistoryDatabase::open(newer);
        QVERIFY(!tooNew);
        QVERIFY2(tooNew.error().contains(u"written by a newer Loopscope"_s), qPrintable(tooNew.error()));
    }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
