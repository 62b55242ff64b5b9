// The history from the command line: `fetch` records every batch, `export` prints it as --jsonl
// did, SIGKILL at several points followed by `resume` ends every URL exactly once without
// fetching a finished one again, and `refire` re-sends a results file's 5xx failures as
// retries linked to the originals. Against the in-process server, which logs every request.
#include "support/DatabaseDamage.h"
#include "support/CommandRun.h"
#include "support/TestHttpServer.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <map>

using namespace Qt::StringLiterals;

namespace {
QList<QJsonObject> parseJsonl(const QByteArray &text)
{
    QList<QJsonObject> records;
    for (const QByteArray &line : text.split('\n')) {
        if (!line.trimmed().isEmpty())
            records.append(QJsonDocument::fromJson(line).object());
    }
    return records;
}

QList<QJsonObject> readJsonl(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? parseJsonl(file.readAll()) : QList<QJsonObject>{};
}

// Records by task id.
std::map<qint64, QJsonObject> byId(const QList<QJsonObject> &records)
{
    std::map<qint64, QJsonObject> map;
    for (const QJsonObject &record : records)
        map[record[u"id"].toInteger()] = record;
    return map;
}
} // namespace

class TestHistoryCommand : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString writeList(const QString &name, const QList<QUrl> &urls)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        for (const QUrl &url : urls)
            file.write(url.toEncoded() + '\n');
        return path;
    }

    // The records `loopscope export` prints; a failed export is a failure, not an empty history.
    loopscope::Result<QList<QJsonObject>> exported(const QString &db, const QStringList &more = {})
    {
        const QStringList arguments = QStringList{u"export"_s, u"--db"_s, db} + more;
        const loopscope::Result<CommandRun> run = runLoopscope(arguments);
        if (!run)
            return run.failure();
        if (run->exitCode != 0)
            return loopscope::Failure{loopscope::ErrorKind::Invalid, u"loopscope %1 exited with %2: %3"_s
                                                                         .arg(arguments.join(u' ')).arg(run->exitCode).arg(run->err)};
        return parseJsonl(run->out.toUtf8());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(QFile::exists(qEnvironmentVariable("LOOPSCOPE_BIN")));
        QVERIFY(m_dir.isValid());
    }

    void exportPrintsWhatFetchWrote()
    {
        TestHttpServer server;
        const QString db = m_dir.filePath(u"export.sqlite"_s);
        const QString jsonl = m_dir.filePath(u"export.jsonl"_s);
        const QString list = writeList(u"export.txt"_s, {server.url(u"/ok"_s), server.url(u"/status/404"_s), server.url(u"/bytes/10"_s)});
        ASSIGN_OR_FAIL(const CommandRun fetch, runLoopscope({u"fetch"_s, u"-q"_s, u"--db"_s, db, u"--jsonl"_s, jsonl, list}));
        QCOMPARE(fetch.exitCode, 1);
        const auto written = byId(readJsonl(jsonl));
        ASSIGN_OR_FAIL(const QList<QJsonObject> exportedRecorded, exported(db));
        const auto recorded = byId(exportedRecorded);
        QCOMPARE(recorded.size(), size_t(3));
        for (const auto &[id, record] : written)
            QCOMPARE(recorded.at(id), record); // the same fields, the same values

        ASSIGN_OR_FAIL(const CommandRun csv, runLoopscope({u"export"_s, u"--db"_s, db, u"--format"_s, u"csv"_s}));
        QCOMPARE(csv.exitCode, 0);
        const QStringList lines = csv.out.split(u"\r\n"_s, Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines.first().startsWith(u"id,batch,url,final_url,worker,state,http_status,"_s));
        QVERIFY2(lines.filter(u",failed,404,"_s).size() == 1, qPrintable(csv.out));

        // A second batch; --batch picks one.
        ASSIGN_OR_FAIL(const CommandRun second,
                       runLoopscope({u"fetch"_s, u"-q"_s, u"--db"_s, db, writeList(u"second.txt"_s, {server.url(u"/ok?2"_s)})}));
        QCOMPARE(second.exitCode, 0);
        ASSIGN_OR_FAIL(const QList<QJsonObject> only, exported(db, {u"--batch"_s, u"2"_s}));
        QCOMPARE(only.size(), 1);
        QCOMPARE(only.first()[u"url"].toString(), server.url(u"/ok?2"_s).toString());
    }

    void exportSaysWhatIsWrong()
    {
        ASSIGN_OR_FAIL(const CommandRun missing, runLoopscope({u"export"_s, u"--db"_s, m_dir.filePath(u"nothing-here.sqlite"_s)}));
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains(u"no history at "_s), qPrintable(missing.err));
        ASSIGN_OR_FAIL(const CommandRun format, runLoopscope({u"export"_s, u"--format"_s, u"xml"_s}));
        QCOMPARE(format.exitCode, 2);
        QVERIFY(format.err.contains(u"--format takes jsonl or csv"_s));
        ASSIGN_OR_FAIL(const CommandRun batch,
                       runLoopscope({u"export"_s, u"--db"_s, m_dir.filePath(u"export.sqlite"_s), u"--batch"_s, u"999"_s}));
        QCOMPARE(batch.exitCode, 2);
        QVERIFY2(batch.err.contains(u"no batch 999"_s), qPrintable(batch.err));
    }

    void aHistoryThatCannotBeWrittenIsSaidOnceWhileTheRecordsAreStillWritten()
    {
        TestHttpServer server;
        const QString db = m_dir.filePath(u"damaged-writes.sqlite"_s);
        ASSIGN_OR_FAIL(const CommandRun setup1, runLoopscope({u"fetch"_s, u"-q"_s, u"--db"_s, db, writeList(u"first.txt"_s, {server.url(u"/ok"_s)})}));
        QCOMPARE(setup1.exitCode, 0);
        const QString damaged = DatabaseDamage::breakTable(db, u"attempts"_s);
        QVERIFY2(damaged.isEmpty(), qPrintable(damaged));

        // The batch and its tasks are written; each task's end, with its attempt, is not.
        const QString jsonl = m_dir.filePath(u"damaged-writes.jsonl"_s);
        QList<QUrl> urls;
        for (int i = 0; i < 4; ++i)
            urls << server.url(u"/delay/%1?n=%2"_s.arg(100 * i).arg(i));
        ASSIGN_OR_FAIL(const CommandRun fetch, runLoopscope({u"fetch"_s, u"-q"_s, u"--db"_s, db, u"--jsonl"_s, jsonl, writeList(u"damaged.txt"_s, urls)}));
        QCOMPARE(fetch.exitCode, 2);
        const QString said = u"loopscope fetch: history database "_s + db + u": database disk image is malformed\n"_s;
        QVERIFY2(fetch.err.count(said) == 1, qPrintable(fetch.err));
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), urls.size());
        for (const QJsonObject &record : records)
            QCOMPARE(record[u"state"].toString(), u"succeeded"_s);
    }

    void exportOfADamagedHistorySaysSo()
    {
        TestHttpServer server;
        const QString db = m_dir.filePath(u"damaged-reads.sqlite"_s);
        QList<QUrl> urls;
        for (int i = 0; i < 150; ++i) // several pages of tasks
            urls << server.url(u"/ok?n=%1"_s.arg(i));
        ASSIGN_OR_FAIL(const CommandRun setup2, runLoopscope({u"fetch"_s, u"-q"_s, u"-j"_s, u"16"_s, u"--db"_s, db, writeList(u"many.txt"_s, urls)}));
        QCOMPARE(setup2.exitCode, 0);
        const QString unreadable = m_dir.filePath(u"damaged-table.sqlite"_s);
        const QString cutShort = m_dir.filePath(u"damaged-page.sqlite"_s);
        QVERIFY(QFile::copy(db, unreadable));
        QVERIFY(QFile::copy(db, cutShort));

        QString damaged = DatabaseDamage::breakTable(unreadable, u"tasks"_s);
        QVERIFY2(damaged.isEmpty(), qPrintable(damaged));
        ASSIGN_OR_FAIL(const CommandRun nothing, runLoopscope({u"export"_s, u"--db"_s, unreadable}));
        QCOMPARE(nothing.exitCode, 2);
        QCOMPARE(nothing.err, u"loopscope export: history database "_s + unreadable + u": database disk image is malformed\n"_s);
        QVERIFY(nothing.out.isEmpty());

        // The rows before the damaged page are printed; the exit code says the rest is missing.
        damaged = DatabaseDamage::breakLastPage(cutShort, u"tasks"_s);
        QVERIFY2(damaged.isEmpty(), qPrintable(damaged));
        ASSIGN_OR_FAIL(const CommandRun part, runLoopscope({u"export"_s, u"--db"_s, cutShort}));
        QCOMPARE(part.exitCode, 2);
        QCOMPARE(part.err, u"loopscope export: history database "_s + cutShort + u": database disk image is malformed\n"_s);
        const qsizetype printed = parseJsonl(part.out.toUtf8()).size();
        QVERIFY2(printed > 0 && printed < urls.size(), qPrintable(QString::number(printed)));
    }

    void killedRunsAreResumedAndEveryUrlEndsOnce_data()
    {
        QTest::addColumn<int>("endedBeforeKill");
        QTest::newRow("before any task ended") << 0;
        QTest::newRow("a third done") << 4;
        QTest::newRow("most done") << 10;
    }

    void killedRunsAreResumedAndEveryUrlEndsOnce()
    {
        QFETCH(int, endedBeforeKill);
        TestHttpServer server;
        QList<QUrl> urls;
        for (int i = 0; i < 12; ++i)
            urls << server.url(u"/delay/%1?n=%2"_s.arg(100 + 50 * (i % 3)).arg(i));
        const QString db = m_dir.filePath(u"kill-%1.sqlite"_s.arg(endedBeforeKill));
        const QString list = writeList(u"kill.txt"_s, urls);

        QProcess doomed;
        doomed.start(qEnvironmentVariable("LOOPSCOPE_BIN"), {u"fetch"_s, u"-j"_s, u"3"_s, u"--db"_s, db, list});
        QVERIFY(doomed.waitForStarted());
        QByteArray out;
        QVERIFY(QTest::qWaitFor([&] {
            doomed.waitForReadyRead(50);
            out += doomed.readAllStandardOutput();
            return out.count(" getting URL: ") >= 1 && out.count(" elapsed time: ") >= endedBeforeKill;
        }, 60'000));
        ::kill(pid_t(doomed.processId()), SIGKILL);
        QVERIFY(doomed.waitForFinished(30'000));
        QCOMPARE(doomed.exitStatus(), QProcess::CrashExit);

        // What the history holds now: some tasks ended, the rest not.
        ASSIGN_OR_FAIL(const QList<QJsonObject> exportedBefore, exported(db));
        const auto before = byId(exportedBefore);
        QCOMPARE(before.size(), size_t(urls.size()));
        QMap<QString, int> requestsBefore;
        for (const QString &path : server.requestedPaths())
            ++requestsBefore[path];
        QStringList endedUrls;
        for (const auto &[id, record] : before) {
            if (record[u"state"].toString() == u"succeeded")
                endedUrls << record[u"url"].toString();
            else
                QVERIFY2(record[u"state"].toString() == u"queued" || record[u"state"].toString() == u"running", qPrintable(record[u"state"].toString()));
        }

        const QString resumedJsonl = m_dir.filePath(u"resumed-%1.jsonl"_s.arg(endedBeforeKill));
        ASSIGN_OR_FAIL(const CommandRun resume, runLoopscope({u"resume"_s, u"--db"_s, db, u"--jsonl"_s, resumedJsonl}));
        QCOMPARE(resume.exitCode, 0);
        QVERIFY2(resume.out.contains(u"Resuming batch 1 \"kill.txt\": "_s), qPrintable(resume.out));
        // The resumed run wrote exactly the tasks that had not ended.
        const auto resumed = byId(readJsonl(resumedJsonl));
        QCOMPARE(resumed.size(), size_t(urls.size() - endedUrls.size()));
        for (const auto &[id, record] : resumed)
            QVERIFY2(!endedUrls.contains(record[u"url"].toString()), "a finished task ran again");

        // Every URL ended once, as succeeded; none that had finished was fetched again.
        ASSIGN_OR_FAIL(const QList<QJsonObject> exportedAfter, exported(db));
        const auto after = byId(exportedAfter);
        QCOMPARE(after.size(), size_t(urls.size()));
        QSet<QString> seen;
        for (const auto &[id, record] : after) {
            QCOMPARE(record[u"state"].toString(), u"succeeded"_s);
            seen.insert(record[u"url"].toString());
        }
        QCOMPARE(seen.size(), urls.size());
        QMap<QString, int> requestsAfter;
        for (const QString &path : server.requestedPaths())
            ++requestsAfter[path];
        for (const QString &url : std::as_const(endedUrls)) {
            const QString path = QUrl(url).toString(QUrl::RemoveScheme | QUrl::RemoveAuthority);
            QCOMPARE(requestsAfter.value(path), requestsBefore.value(path));
        }

        ASSIGN_OR_FAIL(const CommandRun again, runLoopscope({u"resume"_s, u"--db"_s, db}));
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(again.out.contains(u"Nothing to resume"_s), qPrintable(again.out));
    }

    void refireSendsServerErrorsAgainAsLinkedRetries()
    {
        TestHttpServer server;
        const QString db = m_dir.filePath(u"refire.sqlite"_s);
        const QString results = m_dir.filePath(u"run.jsonl"_s);
        // Each /fail-then-ok URL answers 503 once and then 200.
        const QString list = writeList(u"refire.txt"_s, {server.url(u"/ok"_s), server.url(u"/fail-then-ok/a/1"_s),
                                                          server.url(u"/status/404"_s), server.url(u"/fail-then-ok/b/1"_s)});
        ASSIGN_OR_FAIL(const CommandRun fetch,
                       runLoopscope({u"fetch"_s, u"-q"_s, u"--retries"_s, u"0"_s, u"--db"_s, db, u"--jsonl"_s, results, list}));
        QCOMPARE(fetch.exitCode, 1);
        const auto originals = byId(readJsonl(results));

        ASSIGN_OR_FAIL(const CommandRun refire, runLoopscope({u"refire"_s, u"--db"_s, db, results}));
        QCOMPARE(refire.exitCode, 0);
        const QList<QJsonObject> retried = readJsonl(m_dir.filePath(u"run.refire.jsonl"_s));
        QCOMPARE(retried.size(), 2); // the two 503s; not the 404, not the success
        for (const QJsonObject &record : retried) {
            QCOMPARE(record[u"state"].toString(), u"succeeded"_s);
            const QJsonObject original = originals.at(record[u"retry_of"].toInteger());
            QCOMPARE(original[u"url"], record[u"url"]);
            QCOMPARE(original[u"http_status"].toInt(), 503);
        }
        // The history links them too.
        ASSIGN_OR_FAIL(const QList<QJsonObject> exportedRecorded, exported(db));
        const auto recorded = byId(exportedRecorded);
        for (const QJsonObject &record : retried)
            QCOMPARE(recorded.at(record[u"id"].toInteger())[u"retry_of"], record[u"retry_of"]);

        // Nothing left to refire in the new results; a broken line is named.
        ASSIGN_OR_FAIL(const CommandRun nothing, runLoopscope({u"refire"_s, u"--db"_s, db, m_dir.filePath(u"run.refire.jsonl"_s)}));
        QCOMPARE(nothing.exitCode, 0);
        QVERIFY(nothing.out.contains(u"Nothing to refire"_s));
        const QString broken = m_dir.filePath(u"broken.jsonl"_s);
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"id\": 1, \"state\": \"failed\", \"http_status\": 502, \"url\": \"" + server.url(u"/ok"_s).toEncoded() + "\"}\nnot json\n");
        file.close();
        ASSIGN_OR_FAIL(const CommandRun partly, runLoopscope({u"refire"_s, u"-q"_s, u"--db"_s, db, broken}));
        QCOMPARE(partly.exitCode, 1);
        QVERIFY2(partly.err.contains(broken + u":2: not a JSON record"_s), qPrintable(partly.err));
    }
};

QTEST_GUILESS_MAIN(TestHistoryCommand)
#include "tst_history_command.moc"
