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

#include "support/CommandRun.h"
#include "support/SmtpFixture.h"
#include "support/TestHttpServer.h"

#include <csignal>

namespace {
QString nginxFile(const QString &name)
{
    QFile file(qEnvironmentVariable("LOOPSCOPE_NGINX_DIR") + u'/' + name);
    return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll().trimmed()) : QString();
}

QString nginxBase()
{
    const QString port = nginxFile(u"port"_qs);
    return port.isEmpty() ? QString() : u"http://127.0.0.1:"_qs + port;
}

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
        environment.insert(u"LOOPSCOPE_SMTP_PASSWORD"_qs, smtpPassword);
        return runLoopscope(QStringList{u"fetch"_qs} + arguments, input, environment);
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
        const QString list = writeList(u"ok.txt"_qs, {m_base + u"/ok", m_base + u"/delay/50", m_base + u"/bytes/1024"});
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"-j"_qs, u"2"_qs, list}));
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out.count(u" getting URL: "_qs), 3);
        QCOMPARE(run.out.count(QRegularExpression(u"^Worker \\d+ elapsed time: "_qs, QRegularExpression::MultilineOption)), 3);
        QVERIFY2(run.out.contains(u"(200, 1.0 KiB)"_qs) || run.out.contains(u"(200, 1024 B)"_qs), qPrintable(run.out));
        QVERIFY2(run.out.contains(u"Total elapsed time: "_qs), qPrintable(run.out));
        QVERIFY(run.out.contains(u"from concurrency)"_qs));
        QVERIFY(run.out.contains(u"Worker 1 getting URL: "_qs));
        QVERIFY(!run.out.contains(u"Worker 3"_qs));
        QVERIFY(run.err.isEmpty());
    }

    void jsonlHasOneRecordPerTask()
    {
        const QString list = writeList(u"mixed.txt"_qs, {u"# comment"_qs, m_base + u"/ok", u""_qs, m_base + u"/status/404",
                                                         m_base + u"/bytes/1024", m_base + u"/redirect/3", m_base + u"/status/503"});
        const QString jsonl = m_dir.filePath(u"mixed.jsonl"_qs);
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"-q"_qs, u"--jsonl"_qs, jsonl, list}));
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.isEmpty());
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 5);
        const QStringList fields{u"id"_qs, u"batch"_qs, u"url"_qs, u"worker"_qs, u"state"_qs, u"http_status"_qs, u"attempts"_qs,
                                 u"bytes"_qs, u"queued_ms"_qs, u"run_ms"_qs, u"error"_qs, u"error_kind"_qs, u"started_at"_qs,
                                 u"finished_at"_qs};
        for (const QJsonObject &record : records) {
            for (const QString &field : fields)
                QVERIFY2(record.contains(field), qPrintable(field));
            QVERIFY(QDateTime::fromString(record[u"finished_at"].toString(), Qt::ISODateWithMs).isValid());
            QVERIFY(record[u"finished_at"].toString().endsWith(u'Z'));
        }
        const QJsonObject ok = byUrlSuffix(records, u"/ok"_qs);
        QCOMPARE(ok[u"state"].toString(), u"succeeded"_qs);
        QCOMPARE(ok[u"http_status"].toInt(), 200);
        QCOMPARE(ok[u"bytes"].toInt(), 3);
        QVERIFY(ok[u"error"].isNull());
        QVERIFY(ok[u"error_kind"].isNull());
        QCOMPARE(ok[u"attempts"].toInt(), 1);
        const QJsonObject missing = byUrlSuffix(records, u"/status/404"_qs);
        QCOMPARE(missing[u"state"].toString(), u"failed"_qs);
        QCOMPARE(missing[u"http_status"].toInt(), 404);
        QVERIFY(missing[u"error"].toString().startsWith(u"HTTP 404"_qs));
        QCOMPARE(missing[u"error_kind"].toString(), u"http"_qs);
        QCOMPARE(missing[u"attempts"].toInt(), 1); // a 404 is not retried
        QCOMPARE(byUrlSuffix(records, u"/bytes/1024"_qs)[u"bytes"].toInt(), 1024);
        const QJsonObject redirected = byUrlSuffix(records, u"/redirect/3"_qs);
        QCOMPARE(redirected[u"state"].toString(), u"succeeded"_qs);
        QVERIFY(redirected[u"final_url"].toString().endsWith(u"/redirect/0"_qs));
        const QJsonObject unavailable = byUrlSuffix(records, u"/status/503"_qs);
        QCOMPARE(unavailable[u"http_status"].toInt(), 503);
        QCOMPARE(unavailable[u"attempts"].toInt(), 3); // retried twice by default
    }

    void rejectedLinesAreReportedAndTheRestRuns()
    {
        const QString list = writeList(u"bad.txt"_qs, {m_base + u"/ok", u"ftp://example.org/x"_qs, u"not a url"_qs, m_base + u"/delay/10"});
        const QString jsonl = m_dir.filePath(u"bad.jsonl"_qs);
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"--jsonl"_qs, jsonl, list}));
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(list + u":2: unsupported scheme \"ftp\""), qPrintable(run.err));
        QVERIFY2(run.err.contains(list + u":3: "), qPrintable(run.err));
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 2);
        for (const QJsonObject &record : records)
            QCOMPARE(record[u"state"].toString(), u"succeeded"_qs);
    }

    void standardInputIsRead()
    {
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"-"_qs}, (m_base + u"/ok\n" + m_base + u"/ok?again\n").toUtf8()));
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out.count(QRegularExpression(u"^Worker \\d+ elapsed time: "_qs, QRegularExpression::MultilineOption)), 2);
        ASSIGN_OR_FAIL(const CommandRun implicit, fetch({u"-q"_qs}, (u"bogus\n"_qs + m_base + u"/ok\n").toUtf8()));
        QCOMPARE(implicit.exitCode, 1);
        QVERIFY2(implicit.err.startsWith(u"-:1: "_qs), qPrintable(implicit.err));
    }

    void timeoutOption()
    {
        const QString jsonl = m_dir.filePath(u"timeout.jsonl"_qs);
        ASSIGN_OR_FAIL(const CommandRun run,
                       fetch({u"--timeout"_qs, u"0.3"_qs, u"--retries"_qs, u"0"_qs, u"--jsonl"_qs, jsonl, u"-"_qs}, (m_base + u"/hang\n").toUtf8()));
        QCOMPARE(run.exitCode, 1);
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 1);
        QCOMPARE(records.first()[u"state"].toString(), u"failed"_qs);
        QCOMPARE(records.first()[u"error"].toString(), u"timed out after 0.3 s (total timeout)"_qs);
        QCOMPARE(records.first()[u"error_kind"].toString(), u"timeout"_qs);
    }

    void idleTimeoutAndSizeLimitOptions()
    {
        const QString jsonl = m_dir.filePath(u"limits.jsonl"_qs);
        ASSIGN_OR_FAIL(const CommandRun run,
                       fetch({u"--timeout"_qs, u"0"_qs, u"--idle-timeout"_qs, u"0.3"_qs, u"--max-size"_qs, u"1000"_qs, u"--retries"_qs, u"0"_qs,
                              u"--jsonl"_qs, jsonl, u"-"_qs},
                             (m_base + u"/hang\n"_qs + m_base + u"/bytes/1024\n"_qs).toUtf8()));
        QCOMPARE(run.exitCode, 1);
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 2);
        const QJsonObject hang = byUrlSuffix(records, u"/hang"_qs);
        QCOMPARE(hang[u"error_kind"].toString(), u"idle_timeout"_qs);
        QCOMPARE(hang[u"error"].toString(), u"no answer for 0.3 s (idle timeout)"_qs);
        const QJsonObject large = byUrlSuffix(records, u"/bytes/1024"_qs);
        QCOMPARE(large[u"error_kind"].toString(), u"too_large"_qs);
        QCOMPARE(large[u"error"].toString(), u"response larger than the 1,000-byte limit (Content-Length: 1,024)"_qs);
    }

    void retryWaitsArePrinted()
    {
        TestHttpServer web;
        const QString url = web.url(u"/retry-after/cli/1"_qs).toString();
        const QString jsonl = m_dir.filePath(u"retry.jsonl"_qs);
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"--jsonl"_qs, jsonl, u"-"_qs}, (url + u'\n').toUtf8()));
        QCOMPARE(run.exitCode, 0);
        const QRegularExpression line(u"^Worker 1 retrying "_qs + QRegularExpression::escape(url)
                                          + u" in \\d+\\.\\d s \\(attempt 2 of 3\\): HTTP 503 Service Unavailable$"_qs,
                                      QRegularExpression::MultilineOption);
        QVERIFY2(run.out.contains(line), qPrintable(run.out));
        QCOMPARE(readJsonl(jsonl).first()[u"attempts"].toInt(), 2);
    }

    void caFileAppliesToFetches()
    {
        const QString url = u"https://127.0.0.1:"_qs + nginxFile(u"tls-port"_qs) + u"/ok"_qs;
        const QString jsonl = m_dir.filePath(u"tls.jsonl"_qs);
        ASSIGN_OR_FAIL(const CommandRun refused, fetch({u"--retries"_qs, u"0"_qs, u"--jsonl"_qs, jsonl, u"-"_qs}, (url + u'\n').toUtf8()));
        QCOMPARE(refused.exitCode, 1);
        const QJsonObject record = readJsonl(jsonl).first();
        QCOMPARE(record[u"error_kind"].toString(), u"tls"_qs);
        QVERIFY2(record[u"error"].toString().startsWith(u"TLS: certificate not trusted"_qs), qPrintable(record[u"error"].toString()));
        ASSIGN_OR_FAIL(const CommandRun trusted,
                       fetch({u"--ca-file"_qs, qEnvironmentVariable("LOOPSCOPE_NGINX_DIR") + u"/tls-cert.pem"_qs, u"--jsonl"_qs, jsonl, u"-"_qs},
                             (url + u'\n').toUtf8()));
        QCOMPARE(trusted.exitCode, 0);
        QCOMPARE(readJsonl(jsonl).first()[u"http_status"].toInt(), 200);
    }

    void outputDirSavesEachBody()
    {
        TestHttpServer web;
        const QString folder = m_dir.filePath(u"downloads/new"_qs); // created by the command
        const QString jsonl = m_dir.filePath(u"saved.jsonl"_qs);
        const QString disposition = QString::fromLatin1(QUrl::toPercentEncoding(u"attachment; filename=\"../report.txt\""_qs));
        const QStringList urls{web.url(u"/random/1024/9/file.bin"_qs).toString(QUrl::FullyEncoded),
                               web.url(u"/named?n=2000&cd="_qs + disposition).toString(QUrl::FullyEncoded),
                               web.url(u"/status/404"_qs).toString(QUrl::FullyEncoded)};
        QFile existing(folder + u"/file.bin"_qs);
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.close();
        ASSIGN_OR_FAIL(const CommandRun run,
                       fetch({u"-j"_qs, u"1"_qs, u"--output-dir"_qs, folder, u"--jsonl"_qs, jsonl, u"-"_qs}, (urls.join(u'\n') + u'\n').toUtf8()));
        QCOMPARE(run.exitCode, 1); // the 404
        const QList<QJsonObject> records = readJsonl(jsonl);
        QCOMPARE(records.size(), 3);
        const QString saved = byUrlSuffix(records, u"/file.bin"_qs)[u"file"].toString();
        QCOMPARE(saved, QDir(folder).filePath(u"file (1).bin"_qs)); // the existing file is kept
        QCOMPARE(QFileInfo(saved).size(), 1024);
        QFile body(saved);
        QVERIFY(body.open(QIODevice::ReadOnly));
        QCOMPARE(body.readAll(), TestHttpServer::randomBytes(9, 0, 1024));
        QCOMPARE(records[1][u"file"].toString(), QDir(folder).filePath(u"report.txt"_qs));
        QVERIFY(records[2][u"file"].isNull());
        QVERIFY2(run.out.contains(u"(200, 1.0 KiB \u2192 "_qs + saved + u')'), qPrintable(run.out));
        QCOMPARE(QDir(folder).entryList(QDir::Files | QDir::Hidden).size(), 3);

        ASSIGN_OR_FAIL(const CommandRun again,
                       fetch({u"--output-dir"_qs, folder, u"--overwrite"_qs, u"--jsonl"_qs, jsonl, u"-"_qs}, (urls[0] + u'\n').toUtf8()));
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(readJsonl(jsonl).first()[u"file"].toString(), QDir(folder).filePath(u"file.bin"_qs));
        QCOMPARE(QFileInfo(folder + u"/file.bin"_qs).size(), 1024);
    }

    void anUnusableOutputDirIsAUsageError()
    {
        const QString blocker = writeList(u"not-a-folder"_qs, {});
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"--output-dir"_qs, blocker + u"/sub"_qs, u"-"_qs}, QByteArray()));
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.startsWith(u"loopscope fetch: --output-dir "_qs + blocker + u"/sub: "_qs), qPrintable(run.err));
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("zero concurrency") << QStringList{u"-j"_qs, u"0"_qs};
        QTest::newRow("bad per-host") << QStringList{u"--per-host"_qs, u"many"_qs};
        QTest::newRow("bad timeout") << QStringList{u"--timeout"_qs, u"-1"_qs};
        QTest::newRow("bad idle timeout") << QStringList{u"--idle-timeout"_qs, u"soon"_qs};
        QTest::newRow("bad size limit") << QStringList{u"--max-size"_qs, u"-5"_qs};
        QTest::newRow("unknown option") << QStringList{u"--frobnicate"_qs};
        QTest::newRow("missing file") << QStringList{u"/nonexistent/list.txt"_qs};
    }

    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, arguments);
        ASSIGN_OR_FAIL(const CommandRun run, fetch(arguments));
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.startsWith(u"loopscope fetch: "_qs));
    }

    void helpAndVersion()
    {
        ASSIGN_OR_FAIL(const CommandRun help, fetch({u"--help"_qs}));
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(u"--concurrency"_qs));
        QVERIFY(help.out.contains(u"--jsonl"_qs));
        ASSIGN_OR_FAIL(const CommandRun version, fetch({u"--version"_qs}));
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith(u"loopscope "_qs));
    }

    void notifiesOncePerBatchByEmailAndWebhook()
    {
        TestHttpServer web;
        const qsizetype before = SmtpFixture::delivered(u"starttls_auth"_qs).size();
        const QString list = writeList(u"notify.txt"_qs, {m_base + u"/ok", m_base + u"/status/404", m_base + u"/ok?2"});
        const QString jsonl = m_dir.filePath(u"notify.jsonl"_qs);
        ASSIGN_OR_FAIL(const CommandRun run, fetch({u"--jsonl"_qs, jsonl, u"--notify-email"_qs, u"ops@example.org"_qs, u"--notify-email"_qs,
                                                    u"Two <two@example.org>"_qs, u"--smtp"_qs,
                                                    SmtpFixture::url(u"starttls_auth"_qs, u"loopscope"_qs), u"--from"_qs,
                                                    u"loopscope@example.org"_qs, u"--ca-file"_qs, SmtpFixture::caFile(), u"--notify-webhook"_qs,
                                                    web.url(u"/post-echo"_qs).toString(), list},
                                                   {}, u"secret"_qs));
        QCOMPARE(run.exitCode, 1); // the 404, not the notifications
        QVERIFY2(run.out.contains(u"Notification e-mail to ops@example.org,two@example.org: sent"_qs), qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(u"Notification webhook "_qs), qPrintable(run.out));
        QCOMPARE(SmtpFixture::delivered(u"starttls_auth"_qs).size(), before + 1);
        QCOMPARE(web.requestCount(), 1);
        const QJsonObject hook = QJsonDocument::fromJson(web.lastRequestBody()).object();
        QCOMPARE(hook[u"batch"].toString(), u"notify.txt"_qs);
        QCOMPARE(hook[u"failed"].toInt(), 1);
        QCOMPARE(readJsonl(jsonl).size(), 3); // notification tasks are not fetch records
    }

    void failedNotificationsSayWhyAndExitOne()
    {
        const QString list = writeList(u"clean.txt"_qs, {m_base + u"/ok"});
        const QString jsonl = m_dir.filePath(u"clean.jsonl"_qs);
        const auto withServer = [&](const QString &name) {
            return QStringList{u"-q"_qs, u"--jsonl"_qs, jsonl, u"--notify-email"_qs, u"ops@example.org"_qs, u"--smtp"_qs,
                               SmtpFixture::url(name, u"loopscope"_qs), u"--from"_qs,
                               u"loopscope@example.org"_qs, u"--ca-file"_qs, SmtpFixture::caFile(), list};
        };
        ASSIGN_OR_FAIL(const CommandRun wrongPassword, fetch(withServer(u"starttls_auth"_qs), {}, u"wrong"_qs));
        QCOMPARE(wrongPassword.exitCode, 1);
        QVERIFY2(wrongPassword.err.contains(u"535 5.7.8 Authentication credentials invalid"_qs), qPrintable(wrongPassword.err));
        QCOMPARE(readJsonl(jsonl).first()[u"state"].toString(), u"succeeded"_qs); // the fetch result stands
        ASSIGN_OR_FAIL(const CommandRun untrusted, fetch(withServer(u"untrusted"_qs), {}, u"secret"_qs));
        QCOMPARE(untrusted.exitCode, 1);
        QVERIFY2(untrusted.err.contains(u"TLS with 127.0.0.1 failed: The certificate is self-signed, and untrusted"_qs), qPrintable(untrusted.err));
    }

    void notificationUsageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("bad address") << QStringList{u"--notify-email"_qs, u"not an address"_qs, u"--smtp"_qs, u"smtp://h"_qs,
                                                    u"--from"_qs, u"a@b.c"_qs};
        QTest::newRow("no server") << QStringList{u"--notify-email"_qs, u"a@b.c"_qs, u"--from"_qs, u"a@b.c"_qs};
        QTest::newRow("bad scheme") << QStringList{u"--notify-email"_qs, u"a@b.c"_qs, u"--smtp"_qs, u"imap://h"_qs, u"--from"_qs, u"a@b.c"_qs};
        QTest::newRow("bad webhook") << QStringList{u"--notify-webhook"_qs, u"ftp://h/x"_qs};
        QTest::newRow("bad CA file") << QStringList{u"--ca-file"_qs, u"/nonexistent.pem"_qs};
        QTest::newRow("bad notify-on") << QStringList{u"--notify-on"_qs, u"sometimes"_qs};
    }

    void notificationUsageErrors()
    {
        QFETCH(QStringList, arguments);
        ASSIGN_OR_FAIL(const CommandRun run, fetch(arguments << u"-"_qs, (m_base + u"/ok\n").toUtf8()));
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.startsWith(u"loopscope fetch: "_qs), qPrintable(run.err));
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
        const QString list = writeList(u"hang.txt"_qs, urls);
        const QString jsonl = m_dir.filePath(u"hang.jsonl"_qs);
        QProcess process;
        process.start(qEnvironmentVariable("LOOPSCOPE_BIN"), {u"fetch"_qs, u"-j"_qs, u"3"_qs, u"--jsonl"_qs, jsonl, list});
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
            QCOMPARE(record[u"state"].toString(), u"cancelled"_qs);
            QCOMPARE(record[u"error"].toString(), u"cancelled at shutdown"_qs);
            started += record[u"started_at"].isNull() ? 0 : 1;
        }
        QCOMPARE(started, 3);
    }
};

QTEST_GUILESS_MAIN(TestFetchCommand)
#include "tst_fetch_command.moc"
