// `loopscope fetch` as a process, against a real nginx started by the ctest fixture.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include "support/NginxFixture.h"
#include "support/CommandRun.h"
#include "support/SmtpFixture.h"
#include "support/TestHttpServer.h"

#include <QJsonArray>
#include <QSet>

#include <csignal>

#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace {
QList<QJsonObject> readJsonl(const QString &path)
{
    QFile file(path);
    QList<QJsonObject> records;
    if (!file.open(QIODevice::ReadOnly))
        return records;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine();
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !line.endsWith('\n'))
            qFatal("bad JSONL line: %s", line.constData());
        records.append(document.object());
    }
    return records;
}

QJsonObject byUrlSuffix(const QList<QJsonObject> &records, const QString &suffix)
{
    for (const QJsonObject &record : records) {
        if (record[u"url"].toString().endsWith(suffix))
            return record;
    }
    return {};
}
} // namespace

// What a trace file holds, read back as a viewer would, and whatever breaks its rules.
struct TraceCheck {
    struct Task {
        qint64 tid = -1;
        QStringList children; // the names of the events nested in it, in order
    };
    QMap<qint64, Task> tasks; // by task id
    QMap<qint64, QString> trackNames;
    QStringList counters;
    int batches = 0;
    QStringList problems;
};

TraceCheck checkTrace(const QString &path)
{
    TraceCheck check;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        check.problems << path + u": "_s + file.errorString();
        return check;
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError) {
        check.problems << u"not JSON: "_s + error.errorString();
        return check;
    }
    // Per async id, the events open now: every b must be closed by an e of the same name, and
    // what is nested must lie within what holds it.
    struct Open {
        QString name;
        qint64 ts;
        qint64 lastInnerEnd = -1;
    };
    QMap<QString, QList<Open>> open;
    for (const QJsonValue &value : document.object()[u"traceEvents"].toArray()) {
        const QJsonObject event = value.toObject();
        const QString phase = event[u"ph"].toString();
        const QString name = event[u"name"].toString();
        const QString id = event[u"id"].toString();
        const qint64 ts = event[u"ts"].toInteger();
        if (phase == u"M" && name == u"thread_name")
            check.trackNames.insert(event[u"tid"].toInteger(), event[u"args"].toObject()[u"name"].toString());
        else if (phase == u"C" && !check.counters.contains(name))
            check.counters << name;
        else if (phase == u"b") {
            if (event[u"cat"].toString() == u"batch")
                ++check.batches;
            if (!open[id].isEmpty() && ts < open[id].last().ts)
                check.problems << id + u": "_s + name + u" begins before what holds it"_s;
            if (id.startsWith(u"task-"_s)) {
                const qint64 task = id.mid(5).toLongLong();
                if (open[id].isEmpty())
                    check.tasks[task].tid = event[u"tid"].toInteger();
                else
                    check.tasks[task].children << name;
            }
            open[id].append({name, ts});
        } else if (phase == u"e") {
            if (open[id].isEmpty() || open[id].last().name != name) {
                check.problems << id + u": an end of "_s + name + u" with no begin of it open"_s;
                continue;
            }
            if (ts < open[id].last().ts || ts < open[id].last().lastInnerEnd)
                check.problems << id + u": "_s + name + u" ends before it begins or before what it holds"_s;
            open[id].removeLast();
            if (!open[id].isEmpty())
                open[id].last().lastInnerEnd = std::max(open[id].last().lastInnerEnd, ts);
        }
    }
    for (auto it = open.cbegin(); it != open.cend(); ++it)
        for (const Open &left : it.value())
            check.problems << it.key() + u": "_s + left.name + u" never ends"_s;
    return check;
}

class TestFetchCommand : public QObject {
    Q_OBJECT
private:
    QString m_base;
    QTemporaryDir m_dir;

    QString writeList(const QString &name, const QStringList &lines)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        file.write(lines.join(u'\n').toUtf8() + '\n');
        return path;
    }

    loopscope::Result<CommandRun> fetch(const QStringList &arguments, const QByteArray &input = {}, const QString &smtpPassword = {})
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(u"LOOPSCOPE_SMTP_PASSWORD"_s, smtpPassword);
        return runLoopscope(QStringList{u"fetch"_s} + arguments, input, environment);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_base = nginxBase();
        QVERIFY2(!m_base.isEmpty(), "the nginx fixture is not running (LOOPSCOPE_NGINX_DIR/port)");
        QVERIFY(QFile::exists(qEnvironmentVariable("LOOPSCOPE_BIN")));
        QVERIFY(m_dir.isValid());
    }

    void everyTaskSucceededExitsZero()
    {
        const QString list = writeList(u"ok.txt"_s, {m_base + u"/ok", m_base + u"/delay/50", m_base + u"/bytes/1024"});
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"-j"_s, u"2"_s, list}));
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out.count(u" getting URL: "_s), 3);
        QCOMPARE(run.out.count(QRegularExpression(u"^Worker \\d+ elapsed time: "_s, QRegularExpression::MultilineOption)), 3);
        QVERIFY2(run.out.contains(u"(200, 1.0 KiB)"_s) || run.out.contains(u"(200, 1024 B)"_s), qPrintable(run.out));
        QVERIFY2(run.out.contains(u"Total elapsed time: "_s), qPrintable(run.out));
        QVERIFY(run.out.contains(u"from concurrency)"_s));
        QVERIFY(run.out.contains(u"Worker 1 getting URL: "_s));
        QVERIFY(!run.out.contains(u"Worker 3"_s));
        QVERIFY(run.err.isEmpty());
    }

    void jsonlHasOneRecordPerTask()
    {
        const QString list = writeList(u"mixed.txt"_s, {u"# comment"_s, m_base + u"/ok", u""_s, m_base + u"/status/404",
                                                         m_base + u"/bytes/1024", m_base + u"/redirect/3", m_base + u"/status/503"});
        const QString jsonl = m_dir.filePath(u"mixed.jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"-q"_s, u"--jsonl"_s, jsonl, list}));
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.isEmpty());
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 5);
        const QStringList fields{u"id"_s, u"batch"_s, u"url"_s, u"worker"_s, u"state"_s, u"http_status"_s, u"attempts"_s,
                                 u"bytes"_s, u"queued_ms"_s, u"run_ms"_s, u"error"_s, u"error_kind"_s, u"started_at"_s,
                                 u"finished_at"_s};
        for (const QJsonObject &record : records) {
            for (const QString &field : fields)
                QVERIFY2(record.contains(field), qPrintable(field));
            QVERIFY(QDateTime::fromString(record[u"finished_at"].toString(), Qt::ISODateWithMs).isValid());
            QVERIFY(record[u"finished_at"].toString().endsWith(u'Z'));
        }
        const QJsonObject ok = byUrlSuffix(records, u"/ok"_s);
        QCOMPARE(ok[u"state"].toString(), u"succeeded"_s);
        QCOMPARE(ok[u"http_status"].toInt(), 200);
        QCOMPARE(ok[u"bytes"].toInt(), 3);
        QVERIFY(ok[u"error"].isNull());
        QVERIFY(ok[u"error_kind"].isNull());
        QCOMPARE(ok[u"attempts"].toInt(), 1);
        const QJsonObject missing = byUrlSuffix(records, u"/status/404"_s);
        QCOMPARE(missing[u"state"].toString(), u"failed"_s);
        QCOMPARE(missing[u"http_status"].toInt(), 404);
        QVERIFY(missing[u"error"].toString().startsWith(u"HTTP 404"_s));
        QCOMPARE(missing[u"error_kind"].toString(), u"http"_s);
        QCOMPARE(missing[u"attempts"].toInt(), 1); // a 404 is not retried
        QCOMPARE(byUrlSuffix(records, u"/bytes/1024"_s)[u"bytes"].toInt(), 1024);
        const QJsonObject redirected = byUrlSuffix(records, u"/redirect/3"_s);
        QCOMPARE(redirected[u"state"].toString(), u"succeeded"_s);
        QVERIFY(redirected[u"final_url"].toString().endsWith(u"/redirect/0"_s));
        const QJsonObject unavailable = byUrlSuffix(records, u"/status/503"_s);
        QCOMPARE(unavailable[u"http_status"].toInt(), 503);
        QCOMPARE(unavailable[u"attempts"].toInt(), 3); // retried twice by default
    }

    void rejectedLinesAreReportedAndTheRestRuns()
    {
        const QString list = writeList(u"bad.txt"_s, {m_base + u"/ok", u"ftp://example.org/x"_s, u"not a url"_s, m_base + u"/delay/10"});
        const QString jsonl = m_dir.filePath(u"bad.jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"--jsonl"_s, jsonl, list}));
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(list + u":2: unsupported scheme \"ftp\""), qPrintable(run.err));
        QVERIFY2(run.err.contains(list + u":3: "), qPrintable(run.err));
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 2);
        for (const QJsonObject &record : records)
            QCOMPARE(record[u"state"].toString(), u"succeeded"_s);
    }

    void standardInputIsRead()
    {
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"-"_s}, (m_base + u"/ok\n" + m_base + u"/ok?again\n").toUtf8()));
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out.count(QRegularExpression(u"^Worker \\d+ elapsed time: "_s, QRegularExpression::MultilineOption)), 2);
        ASSIGN_OR_FAIL(const CommandRun implicit, fetch({u"-q"_s}, (u"bogus\n"_s + m_base + u"/ok\n").toUtf8()));
        QCOMPARE(implicit.exitCode, 1);
        QVERIFY2(implicit.err.startsWith(u"-:1: "_s), qPrintable(implicit.err));
    }

    // A list from a pipe (`<(…)`, a slow producer) is read until the writer closes it.
    void aListFromAPipeIsReadWhole()
    {
        const QString fifo = m_dir.filePath(u"list.fifo"_s);
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        QProcess process;
        process.start(qEnvironmentVariable("LOOPSCOPE_BIN"), {u"fetch"_s, u"-q"_s, fifo});
        QVERIFY(process.waitForStarted());
        QFile writer(fifo);
        QVERIFY(writer.open(QIODevice::WriteOnly | QIODevice::Unbuffered)); // once loopscope has opened it
        QTest::qWait(200); // nothing to read yet: the reader must wait, not take it for the end
        writer.write((m_base + u"/ok?first\n").toUtf8());
        QTest::qWait(100);
        writer.write((m_base + u"/ok?second\n").toUtf8());
        writer.close();
        QVERIFY(process.waitForFinished(30'000));
        QCOMPARE(process.exitCode(), 0);
        QVERIFY(process.readAllStandardError().isEmpty());
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"-"_s}, (m_base + u"/ok\n").toUtf8()));
        QCOMPARE(run.exitCode, 0);
    }

    // The trace opens in Perfetto: one track per worker, each task a begin and an end with its
    // attempts and phases nested inside, a retry's back-off between its attempts, and the batch.
    void traceHoldsEveryTaskOnItsWorkersTrack()
    {
        QStringList urls;
        for (int i = 0; i < 6; ++i)
            urls << m_base + u"/ok?n=" + QString::number(i);
        urls << m_base + u"/status/503" << u"http://127.0.0.1:1/refused"_s << m_base + u"/delay/1200";
        const QString list = writeList(u"traced.txt"_s, urls);
        const QString trace = m_dir.filePath(u"run.trace.json"_s);
        const QString jsonl = m_dir.filePath(u"traced.jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"-q"_s, u"-j"_s, u"3"_s, u"--retries"_s, u"1"_s, u"--trace"_s, trace, u"--jsonl"_s, jsonl, list}));
        QCOMPARE(run.exitCode, 1);
        QMap<qint64, QString> workerOf;
        qint64 retried = -1; // the 503, answered twice
        for (const QJsonObject &record : readJsonl(jsonl)) {
            workerOf.insert(record[u"id"].toInteger(), record[u"worker"].toString());
            if (record[u"url"].toString().endsWith(u"/status/503"_s))
                retried = record[u"id"].toInteger();
        }
        QCOMPARE(workerOf.size(), urls.size());

        TraceCheck check = checkTrace(trace);
        QVERIFY2(check.problems.isEmpty(), qPrintable(check.problems.join(u'\n')));
        QCOMPARE(check.tasks.size(), urls.size());
        QCOMPARE(check.batches, 1);
        QSet<QString> workers;
        for (auto it = check.tasks.cbegin(); it != check.tasks.cend(); ++it) {
            QCOMPARE(check.trackNames.value(it->tid), workerOf.value(it.key()));
            workers << workerOf.value(it.key());
        }
        QCOMPARE(QSet<QString>(check.trackNames.cbegin(), check.trackNames.cend()) - QSet<QString>{u"Batches"_s}, workers);
        QVERIFY(check.tasks.contains(retried));
        const QStringList children = check.tasks[retried].children;
        QStringList steps = children.filter(QRegularExpression(u"^(attempt \\d|retry back-off)$"_s));
        QCOMPARE(steps, (QStringList{u"attempt 1"_s, u"retry back-off"_s, u"attempt 2"_s}));
        QCOMPARE(children.count(u"waiting for the first byte"_s), 2); // one in each attempt
        QVERIFY2(check.counters.contains(u"worker loop lag (ms)"_s), qPrintable(check.counters.join(u", "_s)));
    }

    void statsGivesThePercentilesOfEachPhase()
    {
        const QString list = writeList(u"stats.txt"_s, {m_base + u"/ok?1", m_base + u"/ok?2", m_base + u"/delay/100", m_base + u"/status/503",
                                                         u"http://127.0.0.1:1/refused"_s});
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"-q"_s, u"--retries"_s, u"1"_s, u"--stats"_s, list}));
        QCOMPARE(run.exitCode, 1);
        // Five tasks, the 503 and the refused one tried twice.
        QVERIFY2(run.out.contains(u"Where the time went, over 7 attempts:"_s), qPrintable(run.out));
        const QRegularExpression total(u"^  total +7 +([\\d.]+) ms +([\\d.]+) ms +([\\d.]+) ms +([\\d.]+) ms$"_s, QRegularExpression::MultilineOption);
        const QRegularExpressionMatch row = total.match(run.out);
        QVERIFY2(row.hasMatch(), qPrintable(run.out));
        QVERIFY(row.captured(1).toDouble() <= row.captured(2).toDouble());
        QVERIFY(row.captured(3).toDouble() <= row.captured(4).toDouble());
        QVERIFY(row.captured(4).toDouble() >= 100); // the delayed one
        for (const QString &phase : {u"dns"_s, u"connect"_s, u"tls"_s, u"first byte"_s, u"transfer"_s})
            QVERIFY2(run.out.contains(QRegularExpression(u"^  "_s + phase + u" +\\d+"_s, QRegularExpression::MultilineOption)), qPrintable(phase));
        QVERIFY2(run.out.contains(u"HTTP status: no response × 2, 200 × 3, 503 × 2"_s), qPrintable(run.out));
        QVERIFY2(run.out.contains(u"Errors: connection_refused × 2, http × 2"_s), qPrintable(run.out));
        QVERIFY(run.out.contains(u"  127.0.0.1:1: 2 attempts"_s));
    }

    void timeoutOption()
    {
        const QString jsonl = m_dir.filePath(u"timeout.jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun run,
                       fetch({u"--timeout"_s, u"0.3"_s, u"--retries"_s, u"0"_s, u"--jsonl"_s, jsonl, u"-"_s}, (m_base + u"/hang\n").toUtf8()));
        QCOMPARE(run.exitCode, 1);
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 1);
        QCOMPARE(records.first()[u"state"].toString(), u"failed"_s);
        QCOMPARE(records.first()[u"error"].toString(), u"timed out after 0.3 s (total timeout)"_s);
        QCOMPARE(records.first()[u"error_kind"].toString(), u"timeout"_s);
    }

    void idleTimeoutAndSizeLimitOptions()
    {
        const QString jsonl = m_dir.filePath(u"limits.jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun run,
                       fetch({u"--timeout"_s, u"0"_s, u"--idle-timeout"_s, u"0.3"_s, u"--max-size"_s, u"1000"_s, u"--retries"_s, u"0"_s,
                              u"--jsonl"_s, jsonl, u"-"_s},
                             (m_base + u"/hang\n"_s + m_base + u"/bytes/1024\n"_s).toUtf8()));
        QCOMPARE(run.exitCode, 1);
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 2);
        const QJsonObject hang = byUrlSuffix(records, u"/hang"_s);
        QCOMPARE(hang[u"error_kind"].toString(), u"idle_timeout"_s);
        QCOMPARE(hang[u"error"].toString(), u"no answer for 0.3 s (idle timeout)"_s);
        const QJsonObject large = byUrlSuffix(records, u"/bytes/1024"_s);
        QCOMPARE(large[u"error_kind"].toString(), u"too_large"_s);
        QCOMPARE(large[u"error"].toString(), u"response larger than the 1,000-byte limit (Content-Length: 1,024)"_s);
    }

    void retryWaitsArePrinted()
    {
        TestHttpServer web;
        const QString url = web.url(u"/retry-after/cli/1"_s).toString();
        const QString jsonl = m_dir.filePath(u"retry.jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"--jsonl"_s, jsonl, u"-"_s}, (url + u'\n').toUtf8()));
        QCOMPARE(run.exitCode, 0);
        const QRegularExpression line(u"^Worker 1 retrying "_s + QRegularExpression::escape(url)
                                          + u" in \\d+\\.\\d s \\(attempt 2 of 3\\): HTTP 503 Service Unavailable$"_s,
                                      QRegularExpression::MultilineOption);
        QVERIFY2(run.out.contains(line), qPrintable(run.out));
        QCOMPARE(readJsonl(jsonl).first()[u"attempts"].toInt(), 2);
    }

    void caFileAppliesToFetches()
    {
        const QString url = u"https://127.0.0.1:"_s + nginxFile(u"tls-port"_s) + u"/ok"_s;
        const QString jsonl = m_dir.filePath(u"tls.jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun refused, fetch({u"--retries"_s, u"0"_s, u"--jsonl"_s, jsonl, u"-"_s}, (url + u'\n').toUtf8()));
        QCOMPARE(refused.exitCode, 1);
        const QJsonObject record = readJsonl(jsonl).first();
        QCOMPARE(record[u"error_kind"].toString(), u"tls"_s);
        QVERIFY2(record[u"error"].toString().startsWith(u"TLS: certificate not trusted"_s), qPrintable(record[u"error"].toString()));
        ASSIGN_OR_FAIL(const CommandRun trusted,
                       fetch({u"--ca-file"_s, qEnvironmentVariable("LOOPSCOPE_NGINX_DIR") + u"/tls-cert.pem"_s, u"--jsonl"_s, jsonl, u"-"_s},
                             (url + u'\n').toUtf8()));
        QCOMPARE(trusted.exitCode, 0);
        QCOMPARE(readJsonl(jsonl).first()[u"http_status"].toInt(), 200);
    }

    void outputDirSavesEachBody()
    {
        TestHttpServer web;
        const QString folder = m_dir.filePath(u"downloads/new"_s); // created by the command
        const QString jsonl = m_dir.filePath(u"saved.jsonl"_s);
        const QString disposition = QString::fromLatin1(QUrl::toPercentEncoding(u"attachment; filename=\"../report.txt\""_s));
        const QStringList urls{web.url(u"/random/1024/9/file.bin"_s).toString(QUrl::FullyEncoded),
                               web.url(u"/named?n=2000&cd="_s + disposition).toString(QUrl::FullyEncoded),
                               web.url(u"/status/404"_s).toString(QUrl::FullyEncoded)};
        QFile existing(folder + u"/file.bin"_s);
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.close();
        ASSIGN_OR_FAIL(const CommandRun run,
                       fetch({u"-j"_s, u"1"_s, u"--output-dir"_s, folder, u"--jsonl"_s, jsonl, u"-"_s}, (urls.join(u'\n') + u'\n').toUtf8()));
        QCOMPARE(run.exitCode, 1); // the 404
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 3);
        const QString saved = byUrlSuffix(records, u"/file.bin"_s)[u"file"].toString();
        QCOMPARE(saved, QDir(folder).filePath(u"file (1).bin"_s)); // the existing file is kept
        QCOMPARE(QFileInfo(saved).size(), 1024);
        QFile body(saved);
        QVERIFY(body.open(QIODevice::ReadOnly));
        QCOMPARE(body.readAll(), TestHttpServer::randomBytes(9, 0, 1024));
        QCOMPARE(records[1][u"file"].toString(), QDir(folder).filePath(u"report.txt"_s));
        QVERIFY(records[2][u"file"].isNull());
        QVERIFY2(run.out.contains(u"(200, 1.0 KiB \u2192 "_s + saved + u')'), qPrintable(run.out));
        QCOMPARE(QDir(folder).entryList(QDir::Files | QDir::Hidden).size(), 3);

        ASSIGN_OR_FAIL(const CommandRun again,
                       fetch({u"--output-dir"_s, folder, u"--overwrite"_s, u"--jsonl"_s, jsonl, u"-"_s}, (urls[0] + u'\n').toUtf8()));
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(readJsonl(jsonl).first()[u"file"].toString(), QDir(folder).filePath(u"file.bin"_s));
        QCOMPARE(QFileInfo(folder + u"/file.bin"_s).size(), 1024);
    }

    void anUnusableOutputDirIsAUsageError()
    {
        const QString blocker = writeList(u"not-a-folder"_s, {});
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"--output-dir"_s, blocker + u"/sub"_s, u"-"_s}, QByteArray()));
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.startsWith(u"loopscope fetch: --output-dir "_s + blocker + u"/sub: "_s), qPrintable(run.err));
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("zero concurrency") << QStringList{u"-j"_s, u"0"_s};
        QTest::newRow("bad per-host") << QStringList{u"--per-host"_s, u"many"_s};
        QTest::newRow("bad timeout") << QStringList{u"--timeout"_s, u"-1"_s};
        QTest::newRow("bad idle timeout") << QStringList{u"--idle-timeout"_s, u"soon"_s};
        QTest::newRow("bad size limit") << QStringList{u"--max-size"_s, u"-5"_s};
        QTest::newRow("unknown option") << QStringList{u"--frobnicate"_s};
        QTest::newRow("missing file") << QStringList{u"/nonexistent/list.txt"_s};
    }

    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, arguments);
        ASSIGN_OR_FAIL(const CommandRun run, fetch(arguments));
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.startsWith(u"loopscope fetch: "_s));
    }

    void helpAndVersion()
    {
        ASSIGN_OR_FAIL(const CommandRun help, fetch({u"--help"_s}));
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(u"--concurrency"_s));
        QVERIFY(help.out.contains(u"--jsonl"_s));
        ASSIGN_OR_FAIL(const CommandRun version, fetch({u"--version"_s}));
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith(u"loopscope "_s));
    }

    void notifiesOncePerBatchByEmailAndWebhook()
    {
        TestHttpServer web;
        const qsizetype before = SmtpFixture::delivered(u"starttls_auth"_s).size();
        const QString list = writeList(u"notify.txt"_s, {m_base + u"/ok", m_base + u"/status/404", m_base + u"/ok?2"});
        const QString jsonl = m_dir.filePath(u"notify.jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"--jsonl"_s, jsonl, u"--notify-email"_s, u"ops@example.org"_s, u"--notify-email"_s,
                                                    u"Two <two@example.org>"_s, u"--smtp"_s,
                                                    SmtpFixture::url(u"starttls_auth"_s, u"loopscope"_s), u"--from"_s,
                                                    u"loopscope@example.org"_s, u"--ca-file"_s, SmtpFixture::caFile(), u"--notify-webhook"_s,
                                                    web.url(u"/post-echo"_s).toString(), list},
                                                   {}, u"secret"_s));
        QCOMPARE(run.exitCode, 1); // the 404, not the notifications
        QVERIFY2(run.out.contains(u"Notification e-mail to ops@example.org,two@example.org: sent"_s), qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(u"Notification webhook "_s), qPrintable(run.out));
        QCOMPARE(SmtpFixture::delivered(u"starttls_auth"_s).size(), before + 1);
        QCOMPARE(web.requestCount(), 1);
        const QJsonObject hook = QJsonDocument::fromJson(web.lastRequestBody()).object();
        QCOMPARE(hook[u"batch"].toString(), u"notify.txt"_s);
        QCOMPARE(hook[u"failed"].toInt(), 1);
        QCOMPARE(readJsonl(jsonl).size(), 3); // notification tasks are not fetch records
    }

    void failedNotificationsSayWhyAndExitOne()
    {
        const QString list = writeList(u"clean.txt"_s, {m_base + u"/ok"});
        const QString jsonl = m_dir.filePath(u"clean.jsonl"_s);
        const auto withServer = [&](const QString &name) {
            return QStringList{u"-q"_s, u"--jsonl"_s, jsonl, u"--notify-email"_s, u"ops@example.org"_s, u"--smtp"_s,
                               SmtpFixture::url(name, u"loopscope"_s), u"--from"_s,
                               u"loopscope@example.org"_s, u"--ca-file"_s, SmtpFixture::caFile(), list};
        };
        ASSIGN_OR_FAIL(const CommandRun wrongPassword, fetch(withServer(u"starttls_auth"_s), {}, u"wrong"_s));
        QCOMPARE(wrongPassword.exitCode, 1);
        QVERIFY2(wrongPassword.err.contains(u"535 5.7.8 Authentication credentials invalid"_s), qPrintable(wrongPassword.err));
        QCOMPARE(readJsonl(jsonl).first()[u"state"].toString(), u"succeeded"_s); // the fetch result stands
        ASSIGN_OR_FAIL(const CommandRun untrusted, fetch(withServer(u"untrusted"_s), {}, u"secret"_s));
        QCOMPARE(untrusted.exitCode, 1);
        QVERIFY2(untrusted.err.contains(u"TLS with 127.0.0.1 failed: The certificate is self-signed, and untrusted"_s), qPrintable(untrusted.err));
    }

    void notificationUsageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("bad address") << QStringList{u"--notify-email"_s, u"not an address"_s, u"--smtp"_s, u"smtp://h"_s,
                                                    u"--from"_s, u"a@b.c"_s};
        QTest::newRow("no server") << QStringList{u"--notify-email"_s, u"a@b.c"_s, u"--from"_s, u"a@b.c"_s};
        QTest::newRow("bad scheme") << QStringList{u"--notify-email"_s, u"a@b.c"_s, u"--smtp"_s, u"imap://h"_s, u"--from"_s, u"a@b.c"_s};
        QTest::newRow("bad webhook") << QStringList{u"--notify-webhook"_s, u"ftp://h/x"_s};
        QTest::newRow("bad CA file") << QStringList{u"--ca-file"_s, u"/nonexistent.pem"_s};
        QTest::newRow("bad notify-on") << QStringList{u"--notify-on"_s, u"sometimes"_s};
    }

    void notificationUsageErrors()
    {
        QFETCH(QStringList, arguments);
        ASSIGN_OR_FAIL(const CommandRun run, fetch(arguments << u"-"_s, (m_base + u"/ok\n").toUtf8()));
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.startsWith(u"loopscope fetch: "_s), qPrintable(run.err));
    }

    void interruptCancelsRunningAndQueued_data()
    {
        QTest::addColumn<int>("signalNumber");
        QTest::newRow("SIGINT") << SIGINT;
        QTest::newRow("SIGTERM") << SIGTERM;
    }

    void interruptCancelsRunningAndQueued()
    {
        QFETCH(int, signalNumber);
        QStringList urls;
        for (int i = 0; i < 10; ++i)
            urls << m_base + u"/hang?" + QString::number(i);
        const QString list = writeList(u"hang.txt"_s, urls);
        const QString jsonl = m_dir.filePath(u"hang.jsonl"_s);
        const QString trace = m_dir.filePath(u"hang.trace.json"_s);
        QProcess process;
        process.start(qEnvironmentVariable("LOOPSCOPE_BIN"), {u"fetch"_s, u"-j"_s, u"3"_s, u"--jsonl"_s, jsonl, u"--trace"_s, trace, list});
        QVERIFY(process.waitForStarted());
        QByteArray out;
        QVERIFY(QTest::qWaitFor([&] {
            process.waitForReadyRead(100);
            out += process.readAllStandardOutput();
            return out.count(" getting URL: ") == 3;
        }, 30'000));
        ::kill(pid_t(process.processId()), signalNumber);
        QVERIFY(process.waitForFinished(30'000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 130);
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 10);
        int started = 0;
        for (const QJsonObject &record : records) {
            QCOMPARE(record[u"state"].toString(), u"cancelled"_s);
            QCOMPARE(record[u"error"].toString(), u"cancelled at shutdown"_s);
            started += record[u"started_at"].isNull() ? 0 : 1;
        }
        QCOMPARE(started, 3);
        // The cancelled tasks that ran end on their tracks too.
        TraceCheck check = checkTrace(trace);
        QVERIFY2(check.problems.isEmpty(), qPrintable(check.problems.join(u'\n')));
        QCOMPARE(check.tasks.size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestFetchCommand)
#include "tst_fetch_command.moc"
