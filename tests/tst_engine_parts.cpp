// The engine's plain parts: task states, how a task ends, the per-host queue, batch aggregates, URL lists.
#include "BatchRun.h"
#include "HostQueue.h"
#include "HttpFetch.h"
#include "TaskEnd.h"
#include "TaskState.h"
#include "Format.h"
#include "UrlList.h"

#include <QBuffer>
#include <QTest>

#include <sys/resource.h>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
// A list read from a pipe that never ends a line of `length` bytes, then one good line: it
// hands out its bytes as they are asked for and holds none of them.
class OneLongLine : public QIODevice {
public:
    explicit OneLongLine(qint64 length)
        : m_length(length)
    {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        qint64 given = 0;
        for (; given < maxSize && m_at < m_length; ++given, ++m_at)
            data[given] = 'a';
        for (; given < maxSize && m_at - m_length < qint64(sizeof Tail) - 1; ++given, ++m_at)
            data[given] = Tail[m_at - m_length];
        return given ? given : -1;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    static constexpr char Tail[] = "\nhttp://example.org/after\n";
    qint64 m_length;
    qint64 m_at = 0;
};

qint64 peakRssKiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}
} // namespace

class TestEngineParts : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void statesMoveForwardOnly()
    {
        QVERIFY(canMove(TaskState::Queued, TaskState::Running));
        QVERIFY(canMove(TaskState::Queued, TaskState::Cancelled));
        QVERIFY(canMove(TaskState::Running, TaskState::Succeeded));
        QVERIFY(canMove(TaskState::Running, TaskState::Failed));
        QVERIFY(canMove(TaskState::Running, TaskState::Cancelled));
        QVERIFY(!canMove(TaskState::Queued, TaskState::Succeeded));
        QVERIFY(!canMove(TaskState::Running, TaskState::Queued));
        QVERIFY(!canMove(TaskState::Running, TaskState::Running));
        for (const TaskState terminal : {TaskState::Succeeded, TaskState::Failed, TaskState::Cancelled}) {
            QVERIFY(isTerminal(terminal));
            for (int to = 0; to < TaskStateCount; ++to)
                QVERIFY(!canMove(terminal, TaskState(to)));
        }
    }

    void aTaskEndsFromItsLastAttempt()
    {
        FetchOutcome succeeded;
        succeeded.httpStatus = 200;
        const TaskEnd done = finishTask(succeeded, CancelReason::None);
        QCOMPARE(done.state, TaskState::Succeeded);
        QCOMPARE(done.errorKind, ErrorKind::None);
        QVERIFY(done.error.isEmpty());
        QCOMPARE(done.cancelReason, CancelReason::None);

        FetchOutcome refused;
        refused.kind = ErrorKind::ConnectionRefused;
        refused.error = u"connection refused by 127.0.0.1:9"_s;
        const TaskEnd failed = finishTask(refused, CancelReason::None);
        QCOMPARE(failed.state, TaskState::Failed);
        QCOMPARE(failed.errorKind, ErrorKind::ConnectionRefused);
        QCOMPARE(failed.error, refused.error);

        // A cancel wins over whatever the attempt saw as it was cut off, and says who asked.
        const TaskEnd cancelled = finishTask(refused, CancelReason::Batch);
        QCOMPARE(cancelled.state, TaskState::Cancelled);
        QCOMPARE(cancelled.errorKind, ErrorKind::Cancelled);
        QCOMPARE(cancelled.cancelReason, CancelReason::Batch);
        QCOMPARE(cancelled.error, cancelReasonText(CancelReason::Batch));
        QCOMPARE(finishTask(succeeded, CancelReason::Shutdown).state, TaskState::Cancelled);

        FetchOutcome abandoned;
        abandoned.kind = ErrorKind::Cancelled;
        QCOMPARE(finishTask(abandoned, CancelReason::None).state, TaskState::Cancelled);
    }

    void hostQueueIsFifoWithinLimit()
    {
        HostQueue queue(2);
        const auto waiting = [](int) { return true; };
        queue.push(0, u"a"_s, u"A"_s);
        queue.push(1, u"a"_s, u"A"_s);
        queue.push(2, u"a"_s, u"A"_s);
        queue.push(3, u"b"_s, u"B"_s);
        QCOMPARE(queue.blockedHost(), QString());
        QCOMPARE(queue.take(waiting)->task, 0);
        QCOMPARE(queue.take(waiting)->task, 1);
        // Host a is at its limit: its third task waits, b's runs.
        QCOMPARE(queue.blockedHost(), u"A"_s);
        QCOMPARE(queue.take(waiting)->task, 3);
        QVERIFY(!queue.take(waiting));
        QCOMPARE(queue.blockedHost(), u"A"_s);
        queue.release(u"a"_s);
        QCOMPARE(queue.blockedHost(), QString());
        const auto next = queue.take(waiting);
        QCOMPARE(next->task, 2);
        QCOMPARE(next->host, u"a"_s);
        QVERIFY(!queue.take(waiting));
        QCOMPARE(queue.blockedHost(), QString()); // at its limit, but nothing waits
    }

    // 429 and 503 halve a host's limit, never below one; a run of successes gives one back.
    void hostQueueSlowsAHostThatAsksForIt()
    {
        HostQueue queue(6);
        const auto waiting = [](int) { return true; };
        for (int task = 0; task < 20; ++task)
            queue.push(task, u"a"_s, u"A"_s);
        for (int i = 0; i < 6; ++i)
            QVERIFY(queue.take(waiting));
        queue.answered(u"a"_s, 429, 0);
        QCOMPARE(queue.limitOf(u"a"_s), 3);
        queue.answered(u"a"_s, 503, 0);
        QCOMPARE(queue.limitOf(u"a"_s), 1);
        queue.answered(u"a"_s, 429, 0);
        QCOMPARE(queue.limitOf(u"a"_s), 1);
        queue.answered(u"a"_s, 404, 0); // neither slows nor counts as a success
        for (int i = 0; i < 6; ++i)
            queue.release(u"a"_s);
        QVERIFY(queue.take(waiting));
        QVERIFY(!queue.take(waiting)); // one at a time now
        const HostQueue::Blocked blocked = queue.blocked();
        QCOMPARE(blocked.host, u"A"_s);
        QCOMPARE(blocked.limit, 1);
        QVERIFY2(blocked.slowdown.startsWith(u"slowed after 429 at "_s) && blocked.slowdown.endsWith(u": 1 of 6"_s), qPrintable(blocked.slowdown));
        for (int i = 0; i < HostQueue::SuccessesToGrow - 1; ++i)
            queue.answered(u"a"_s, 200, 0);
        QCOMPARE(queue.limitOf(u"a"_s), 1);
        queue.answered(u"a"_s, 200, 0);
        QCOMPARE(queue.limitOf(u"a"_s), 2);
        QVERIFY(queue.take(waiting)); // the room it got back
        QVERIFY(queue.blocked().slowdown.endsWith(u": 2 of 6"_s));
        for (int i = 0; i < 4 * HostQueue::SuccessesToGrow; ++i)
            queue.answered(u"a"_s, 200, 0);
        QCOMPARE(queue.limitOf(u"a"_s), 6);
        QCOMPARE(queue.blocked().slowdown, QString()); // grown back
    }

    void hostQueueNamesTheHostWaitedOnLongest()
    {
        HostQueue queue(1);
        const auto waiting = [](int) { return true; };
        queue.push(0, u"a"_s, u"A"_s);
        queue.push(1, u"b"_s, u"B"_s);
        queue.push(2, u"b"_s, u"B"_s);
        queue.push(3, u"a"_s, u"A"_s);
        QCOMPARE(queue.take(waiting)->task, 0);
        QCOMPARE(queue.take(waiting)->task, 1);
        QCOMPARE(queue.blockedHost(), u"B"_s); // task 2 is older than task 3
        queue.release(u"b"_s);
        QCOMPARE(queue.blockedHost(), u"A"_s);
    }

    void hostQueueSkipsCancelledTasks()
    {
        HostQueue queue(1);
        queue.push(0, u"a"_s, u"A"_s);
        queue.push(1, u"a"_s, u"A"_s);
        queue.push(2, u"b"_s, u"B"_s);
        const auto notZero = [](int task) { return task != 0; };
        QCOMPARE(queue.take(notZero)->task, 1);
        QCOMPARE(queue.take(notZero)->task, 2);
        QVERIFY(!queue.take(notZero));
    }

    void batchAggregatesFollowMoves()
    {
        const QList<QUrl> urls{QUrl(u"http://a/1"_s), QUrl(u"http://a/2"_s), QUrl(u"http://b/3"_s)};
        BatchRun run(BatchPlan{7, u"seven"_s, BatchSettings{}, encodedUrls(urls), {100, 101, 102}}, 1000);
        QCOMPARE(run.record().total, 3);
        QCOMPARE(run.record().count(TaskState::Queued), 3);
        QCOMPARE(run.task(2).id, TaskId(102));
        QCOMPARE(run.indexOf(101), 1);
        QCOMPARE(run.indexOf(103), -1);

        QVERIFY(run.move(0, TaskState::Running, 1000));
        QVERIFY(run.move(1, TaskState::Running, 1100));
        QCOMPARE(run.record().sumRunMs(1200), 200 + 100);
        QCOMPARE(run.record().elapsedMs(1200), 200);
        QVERIFY(run.move(0, TaskState::Succeeded, 1500));
        QVERIFY(run.move(1, TaskState::Failed, 1600));
        QVERIFY(!run.move(1, TaskState::Succeeded, 1700)); // ended once, for good
        QVERIFY(run.move(2, TaskState::Cancelled, 1650));
        const BatchRecord &record = run.record();
        QVERIFY(record.finished());
        QCOMPARE(record.count(TaskState::Succeeded), 1);
        QCOMPARE(record.count(TaskState::Failed), 1);
        QCOMPARE(record.count(TaskState::Cancelled), 1);
        QCOMPARE(record.sumRunMs(9999), 500 + 500);
        QCOMPARE(record.elapsedMs(9999), 650);
        QCOMPARE(record.gain(9999), 1000.0 / 650.0);
        QCOMPARE(run.task(0).runMs(9999), 500);
        QCOMPARE(run.task(2).queuedMs(9999), 650);
    }

    void resumedBatchesHaveGapsInTheirIds()
    {
        // A resumed batch carries only the tasks that had not ended, under their old ids.
        BatchRun run(BatchPlan{4, u"resumed"_s, BatchSettings{}, encodedUrls({QUrl(u"http://a/1"_s), QUrl(u"http://a/5"_s), QUrl(u"http://a/9"_s)}),
                               {11, 15, 19}},
                     0);
        QCOMPARE(run.record().firstTask, TaskId(11));
        QCOMPARE(run.indexOf(11), 0);
        QCOMPARE(run.indexOf(15), 1);
        QCOMPARE(run.indexOf(19), 2);
        QCOMPARE(run.indexOf(12), -1);
        QCOMPARE(run.indexOf(20), -1);
        QCOMPARE(run.indexOf(10), -1);
        const int appended = run.append(QUrl(u"http://a/20"_s), 5);
        QCOMPARE(run.task(appended).id, TaskId(20));
        QCOMPARE(run.indexOf(20), appended);
    }

    void anEndedTaskIsLetGoOncePublishedUnlessWanted_data()
    {
        QTest::addColumn<bool>("gathered");
        QTest::newRow("nobody gathers") << false;
        QTest::newRow("gathered") << true;
    }

    void anEndedTaskIsLetGoOncePublishedUnlessWanted()
    {
        QFETCH(bool, gathered);
        const QList<QUrl> urls{QUrl(u"http://a/1"_s), QUrl(u"http://a/2"_s), QUrl(u"http://a/3"_s), QUrl(u"http://a/4"_s)};
        BatchRun run(BatchPlan{3, u"three"_s, BatchSettings{}, encodedUrls(urls), {1, 2, 3, 4}}, 100);
        if (gathered)
            run.keepEndedRecords();
        for (int index : {0, 1}) {
            QVERIFY(run.move(index, TaskState::Running, 200));
            run.task(index).responseHeaders = "Server: test\n";
        }
        QVERIFY(run.move(0, TaskState::Succeeded, 300));
        QVERIFY(run.move(1, TaskState::Failed, 300));
        run.task(1).error = u"HTTP 500"_s;
        QVERIFY(run.cancelQueued(2, CancelReason::User, 350));
        QVERIFY(!run.cancelQueued(2, CancelReason::User, 360)); // ended once

        // Published whole, once each.
        EngineUpdate update;
        run.takeChanges(update, 10);
        QCOMPARE(update.tasks.size(), 4);
        QCOMPARE(update.tasks[0].responseHeaders, QByteArray("Server: test\n"));
        QCOMPARE(update.tasks[0].url, urls[0]);
        QCOMPARE(update.tasks[2].state, TaskState::Cancelled);
        QCOMPARE(update.tasks[2].error, cancelReasonText(CancelReason::User));
        QCOMPARE(update.tasks[2].url, urls[2]);

        // Then the succeeded and the cancelled task keep only their id, state and times, unless
        // gathered; a failed task stays whole for the batch's notifications; a queued one keeps its URL.
        const QList<TaskRecord> held = run.records();
        QCOMPARE(held.size(), 4);
        for (int index = 0; index < 4; ++index) {
            QCOMPARE(held[index].id, TaskId(index + 1));
            QCOMPARE(run.state(index), held[index].state);
        }
        QCOMPARE(held[0].state, TaskState::Succeeded);
        QCOMPARE(held[0].finishedAt, 300);
        QCOMPARE(held[0].url.isEmpty(), !gathered);
        QCOMPARE(held[0].responseHeaders.isEmpty(), !gathered);
        QCOMPARE(held[1].url, urls[1]);
        QCOMPARE(held[1].error, u"HTTP 500"_s);
        QCOMPARE(held[2].state, TaskState::Cancelled);
        QCOMPARE(held[2].cancelReason, CancelReason::User);
        QCOMPARE(held[2].url.isEmpty(), !gathered);
        QCOMPARE(held[3].url, urls[3]);
        QCOMPARE(run.record().count(TaskState::Queued), 1);
        QCOMPARE(run.record().count(TaskState::Cancelled), 1);
    }

    void batchChangesAreTakenOnceAndInChunks()
    {
        BatchRun run(BatchPlan{1, u"b"_s, BatchSettings{}, encodedUrls({QUrl(u"http://a/"_s), QUrl(u"http://a/2"_s), QUrl(u"http://a/3"_s)}), {1, 2, 3}}, 0);
        EngineUpdate first;
        run.takeChanges(first, 2);
        QCOMPARE(first.tasks.size(), 2);
        QCOMPARE(first.batches.size(), 1);
        QVERIFY(run.hasChanges()); // the third task waits for the next delivery
        EngineUpdate rest;
        run.takeChanges(rest, 2);
        QCOMPARE(rest.tasks.size(), 1);
        QCOMPARE(rest.tasks.first().id, TaskId(3));
        QVERIFY(!run.hasChanges());
        EngineUpdate none;
        run.takeChanges(none, 2);
        QVERIFY(none.tasks.isEmpty() && none.batches.isEmpty());
        QVERIFY(run.move(1, TaskState::Running, 5));
        run.touch(1);
        EngineUpdate one;
        run.takeChanges(one, 2);
        QCOMPARE(one.tasks.size(), 1);
        QCOMPARE(one.tasks.first().state, TaskState::Running);
    }

    void urlLinesAreValidatedWithTheirLineNumbers()
    {
        const QString text = u"# a comment\n"
                             "http://example.org/a\n"
                             "\n"
                             "   https://example.org/b   \r\n"
                             "ftp://example.org/c\n"
                             "example.org/d\n"
                             "http://exa mple.org/e\n"
                             "http:///nohost\n"
                             "HTTPS://EXAMPLE.org/f\n"
                             "http://[::1]:8080/g\n"_s;
        const UrlList list = parseUrlLines(text, u"list.txt"_s);
        QCOMPARE(list.urls.size(), 4);
        QCOMPARE(list.urls[1], QByteArray("https://example.org/b"));
        QCOMPARE(QUrl::fromEncoded(list.urls[2]), QUrl(u"https://example.org/f"_s));
        QCOMPARE(QUrl::fromEncoded(list.urls[3]).host(), u"::1"_s);
        QCOMPARE(list.rejected.size(), 4);
        QCOMPARE(list.rejected[0].line, 5);
        QCOMPARE(list.rejected[0].toString(), u"list.txt:5: unsupported scheme \"ftp\" (only http and https)"_s);
        QCOMPARE(list.rejected[1].line, 6);
        QVERIFY(list.rejected[1].reason.contains(u"no scheme"_s));
        QCOMPARE(list.rejected[2].line, 7);
        QVERIFY(list.rejected[2].reason.contains(u"white space"_s));
        QCOMPARE(list.rejected[3].line, 8);
    }

    void originsOfEncodedUrls()
    {
        QCOMPARE(originOf("http://example.org/a?b#c"), QByteArrayView("http://example.org"));
        QCOMPARE(originOf("https://u:p@example.org:8443?q"), QByteArrayView("https://u:p@example.org:8443"));
        QCOMPARE(originOf("http://[::1]:8080#f"), QByteArrayView("http://[::1]:8080"));
        QCOMPARE(originOf("http://example.org"), QByteArrayView("http://example.org"));
        // Tasks of one origin share a host queue, whose limit holds across them.
        BatchSettings settings;
        settings.perHost = 1;
        BatchRun run(BatchPlan{1, u"b"_s, settings,
                               encodedUrls({QUrl(u"http://a.example/1"_s), QUrl(u"http://b.example:81/2"_s), QUrl(u"http://a.example/3"_s),
                                            QUrl(u"http://A.example:80/4"_s)}),
                               {1, 2, 3, 4}},
                     0);
        const auto waiting = [&run](int index) { return run.state(index) == TaskState::Queued; };
        const auto first = run.queue().take(waiting);
        QCOMPARE(first->task, 0);
        QVERIFY(run.move(0, TaskState::Running, 1));
        const auto second = run.queue().take(waiting);
        QCOMPARE(second->task, 1); // task 2 waits for a.example:80
        QVERIFY(run.move(1, TaskState::Running, 1));
        QVERIFY(!run.queue().take(waiting));
        QCOMPARE(run.queue().blockedHost(), u"a.example"_s);
        run.queue().release(first->host);
        QCOMPARE(run.queue().take(waiting)->task, 2);
        QVERIFY(run.move(2, TaskState::Running, 1));
        QVERIFY(!run.queue().take(waiting)); // http://A.example:80 is a.example:80 too
    }

    void outsideTextIsQuotedSafely()
    {
        QCOMPARE(quoted(u"plain"_s), u"\"plain\""_s);
        QCOMPARE(quoted(u"a\x1b[2Jb\r\n\t\u202eevil\u200b\"q\\"_s), u"\"a\\x1b[2Jb\\x0d\\x0a\\x09\\u{202e}evil\\u{200b}\\\"q\\\\\""_s);
        QCOMPARE(quoted(QString(1'600, u'a'), 10), u"\"aaaaaaaaaa\u2026\" (1,600 characters)"_s);
        QCOMPARE(quoted(u"\U0001F600x"_s, 1), u"\"\U0001F600\u2026\" (3 characters)"_s); // a pair is one character
        QCOMPARE(escaped(u"250 ok\x07"_s), u"250 ok\\x07"_s);
    }

    void invisibleCharactersAndForeignTextAreRejected_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("reason");
        QTest::newRow("zero-width space in a host") << QByteArray("http://a\u200bb.example/") << u"URL contains an invisible character (U+200B) at column 9"_s;
        QTest::newRow("soft hyphen in a host") << QByteArray("http://ab\u00ad.example/") << u"URL contains an invisible character (U+00AD) at column 10"_s;
        QTest::newRow("bidi override in a path") << QByteArray("http://example.org/\u202egpj.exe") << u"URL contains an invisible character (U+202E) at column 20"_s;
        QTest::newRow("format character beyond the BMP") << QByteArray("http://exa\U0001BCA0mple.org/") << u"URL contains an invisible character (U+1BCA0) at column 11"_s;
        QTest::newRow("escape") << QByteArray("http://example.org/\x1b[2J") << u"URL contains an invisible character (U+001B) at column 20"_s;
        QTest::newRow("NUL") << QByteArray("http://example.org/\0x", 21) << u"URL contains an invisible character (U+0000) at column 20"_s;
        QTest::newRow("not UTF-8") << QByteArray("http://example.org/\xff\xfe") << u"not UTF-8 text"_s;
        QTest::newRow("javascript") << QByteArray("javascript:alert(1)") << u"unsupported scheme \"javascript\" (only http and https)"_s;
        QTest::newRow("file") << QByteArray("file:///etc/passwd") << u"unsupported scheme \"file\" (only http and https)"_s;
        QTest::newRow("no scheme, quoted and cut")
            << QByteArray("example.org/" + QByteArray(1'600, 'x'))
            << u"not a URL (no scheme): \"example.org/"_s + QString(68, u'x') + u"\u2026\" (1,612 characters)"_s;
        QTest::newRow("not valid, without QUrl's copy of it") << QByteArray("http://exa%mple.org/") << u"not a valid URL (Invalid hostname (contains invalid characters)): \"http://exa%mple.org/\""_s;
    }

    void invisibleCharactersAndForeignTextAreRejected()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, reason);
        QByteArray text = "http://example.org/first\n" + line + "\n";
        QBuffer device(&text);
        QVERIFY(device.open(QIODevice::ReadOnly));
        const UrlList list = readUrlLines(device, u"list.txt"_s);
        QCOMPARE(list.urls.size(), 1);
        QCOMPARE(list.rejected.size(), 1);
        QCOMPARE(list.rejected.first().toString(), u"list.txt:2: "_s + reason);
    }

    void anIdnHostIsFetchedByItsAsciiName()
    {
        const UrlList list = parseUrlLines(u"http://b\u00fccher.example/\n"_s, u"list.txt"_s);
        QCOMPARE(list.rejected.size(), 0);
        QCOMPARE(list.urls, QList<QByteArray>{"http://xn--bcher-kva.example/"});
    }

    void aLineOfHundredsOfMegabytesIsReadInBoundedMemory()
    {
        [[maybe_unused]] const qint64 before = peakRssKiB();
        OneLongLine device(200'000'000);
        const UrlList list = readUrlLines(device, u"-"_s);
        QCOMPARE(list.rejected.size(), 1);
        QCOMPARE(list.rejected.first().toString(), u"-:1: URL longer than 32,768 characters"_s);
        QCOMPARE(list.urls, QList<QByteArray>{"http://example.org/after"});
        // Reading the line whole would take 200 MB, and four times that as text. (AddressSanitizer
        // keeps up to 256 MB of freed memory aside, so there RSS says nothing of this.)
#if !defined(__SANITIZE_ADDRESS__)
        QVERIFY2(peakRssKiB() - before < 32 * 1024, qPrintable(u"peak RSS grew by %1 KiB"_s.arg(peakRssKiB() - before)));
#endif
    }

    void aMillionRejectedLinesAreCountedAndTheFirstKept()
    {
        QByteArray text;
        for (int i = 0; i < 1'000'000; ++i)
            text += "ftp://example.org/" + QByteArray::number(i) + '\n';
        text += "http://example.org/last\n";
        QBuffer device(&text);
        QVERIFY(device.open(QIODevice::ReadOnly));
        UrlList list = readUrlLines(device, u"big.txt"_s);
        QCOMPARE(list.urls.size(), 1);
        QCOMPARE(list.rejectedCount, 1'000'000);
        QCOMPARE(list.rejected.size(), UrlList::MaxRejectedKept);
        QCOMPARE(list.rejected.last().line, int(UrlList::MaxRejectedKept));
        // Two such lists together: still the first ones, and every one counted.
        list.append(list);
        QCOMPARE(list.rejectedCount, 2'000'000);
        QCOMPARE(list.rejected.size(), UrlList::MaxRejectedKept);
    }

    void urlLinesFromADevice()
    {
        QByteArray data("http://a.example/\nnot a url\n");
        QBuffer buffer(&data);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        const UrlList list = readUrlLines(buffer, u"-"_s);
        QCOMPARE(list.urls.size(), 1);
        QCOMPARE(list.rejected.size(), 1);
        QCOMPARE(list.rejected.first().toString().left(4), u"-:2:"_s);
    }
};

QTEST_GUILESS_MAIN(TestEngineParts)
#include "tst_engine_parts.moc"
