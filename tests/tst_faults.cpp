// Every fault ends in a terminal state with a categorised error that says what happened, and
// retries wait as asked. The engine runs against the in-process server, which misbehaves on
// purpose, and against the nginx fixture where a real peer matters (TLS, IPv6, long URLs).
// Assertions are about states, kinds, texts and counts, never wall-clock budgets.
#include "RetryAfter.h"
#include "Engine.h"
#include "EngineClock.h"
#include "TaskRow.h"
#include "UrlList.h"
#include "support/NginxFixture.h"
#include "support/BatchWaits.h"
#include "support/TestHttpServer.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QLocale>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
QString number(qint64 value) // as the error texts write it: "1,024"
{
    return QLocale(QLocale::English).toString(value);
}

// A loopback port nobody listens on.
quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

// One-shot settings: no retries unless a test asks for them, so that a fault ends at once.
BatchSettings once(int timeoutMs = 30'000, int idleTimeoutMs = 15'000)
{
    BatchSettings settings;
    settings.retries = 0;
    settings.timeoutMs = timeoutMs;
    settings.idleTimeoutMs = idleTimeoutMs;
    return settings;
}

// Keeps the latest record of each task and the wait for a retry each one was seen in.
class Observer : public QObject {
public:
    explicit Observer(Engine &engine)
    {
        connect(&engine, &Engine::updated, this, [this](const EngineUpdate &update) {
            for (const TaskRecord &task : update.tasks) {
                latest[task.id] = task;
                if (task.retryAt >= 0)
                    waiting[task.id] = task;
            }
        });
    }
    std::map<TaskId, TaskRecord> latest;
    std::map<TaskId, TaskRecord> waiting; // the record as it waited for its next attempt
};

// Runs one URL as a batch of its own and returns its final record; unwrap with ASSIGN_OR_FAIL.
Result<TaskRecord> fetchOne(Engine &engine, const QUrl &url, const BatchSettings &settings)
{
    return gatheredTask(engine, u"fault"_s, url, settings, 60'000);
}

Result<TaskRecord> fetchOne(const QUrl &url, const BatchSettings &settings)
{
    Engine engine;
    return fetchOne(engine, url, settings);
}

QString describe(const TaskRecord &task)
{
    return u"%1 %2 [%3] %4"_s.arg(stateName(task.state), errorKindName(task.errorKind)).arg(task.httpStatus).arg(task.error);
}
} // namespace

#define QCOMPARE_FAULT(task, expectedState, expectedKind)                                                                        \
    do {                                                                                                                         \
        QVERIFY2((task).state == (expectedState) && (task).errorKind == (expectedKind), qPrintable(describe(task)));            \
    } while (false)

class TestFaults : public QObject {
    Q_OBJECT
private:
    QString m_nginx; // http://127.0.0.1:PORT

private Q_SLOTS:
    void initTestCase()
    {
        m_nginx = u"http://127.0.0.1:"_s + nginxFile(u"port"_s);
        QVERIFY2(!nginxFile(u"port"_s).isEmpty(), "the nginx fixture is not running (LOOPSCOPE_NGINX_DIR/port)");
    }

    void connectionRefused()
    {
        const quint16 port = closedPort();
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(QUrl(u"http://127.0.0.1:%1/x"_s.arg(port)), once()));
        QCOMPARE_FAULT(task, TaskState::Failed, ErrorKind::ConnectionRefused);
        QCOMPARE(task.error, u"connection refused by 127.0.0.1:%1"_s.arg(port));
        QCOMPARE(task.httpStatus, 0);
        // The category reaches the records as a stable name.
        QCOMPARE(TaskRow::from(task).toJson()[u"error_kind"].toString(), u"connection_refused"_s);
    }

    void connectionResetBeforeAnyResponse()
    {
        TestHttpServer server;
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/reset"_s), once()));
        QCOMPARE_FAULT(task, TaskState::Failed, ErrorKind::ConnectionReset);
        QCOMPARE(task.error, u"connection reset by the server before any response"_s);
    }

    void connectionResetDuringTheBody()
    {
        TestHttpServer server;
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/reset-after/1024"_s), once()));
        QCOMPARE_FAULT(task, TaskState::Failed, ErrorKind::ConnectionReset);
        QCOMPARE(task.httpStatus, 200);
        QVERIFY(task.bytesReceived <= 1024);
        QCOMPARE(task.error, u"body cut short: connection reset by the server after %1 of 2,049 bytes"_s.arg(number(task.bytesReceived)));
    }

    // HTTP/1 without a length or chunks ends a body by closing the connection: the record keeps
    // it, and says that its completeness rests on the close alone.
    void aBodyWithoutALengthIsKeptWithANote()
    {
        TestHttpServer server;
        ASSIGN_OR_FAIL(const TaskRecord unsized, fetchOne(server.url(u"/unsized/1000"_s), once()));
        QCOMPARE(unsized.state, TaskState::Succeeded);
        QCOMPARE(unsized.bytesReceived, 1000);
        QCOMPARE(unsized.note, u"length not announced"_s);
        QCOMPARE(TaskRow::from(unsized).toJson()[u"note"].toString(), u"length not announced"_s);
        ASSIGN_OR_FAIL(const TaskRecord sized, fetchOne(server.url(u"/bytes/1000"_s), once()));
        QCOMPARE(sized.state, TaskState::Succeeded);
        QVERIFY2(sized.note.isEmpty(), qPrintable(sized.note));
    }

    void aServerThatNeverAnswers()
    {
        TestHttpServer server;
        // --timeout 0 is no limit: the idle timeout ends it.
        ASSIGN_OR_FAIL(const TaskRecord idle, fetchOne(server.url(u"/hang"_s), once(0, 300)));
        QCOMPARE_FAULT(idle, TaskState::Failed, ErrorKind::IdleTimeout);
        QCOMPARE(idle.error, u"no answer for 0.3 s (idle timeout)"_s);
        ASSIGN_OR_FAIL(const TaskRecord total, fetchOne(server.url(u"/hang"_s), once(300, 0)));
        QCOMPARE_FAULT(total, TaskState::Failed, ErrorKind::Timeout);
        QCOMPARE(total.error, u"timed out after 0.3 s (total timeout)"_s);
        QTRY_COMPARE(server.inFlight(), 0);
    }

    void aServerThatDrips()
    {
        TestHttpServer server;
        // A byte every 50 ms keeps a 300 ms idle timeout at bay; the total timeout still ends it.
        ASSIGN_OR_FAIL(const TaskRecord steady, fetchOne(server.url(u"/drip/1000/50"_s), once(1'000, 300)));
        QCOMPARE_FAULT(steady, TaskState::Failed, ErrorKind::Timeout);
        QVERIFY(steady.bytesReceived > 0);
        // Headers, then a second between bytes: the idle timeout.
        ASSIGN_OR_FAIL(const TaskRecord stalled, fetchOne(server.url(u"/drip/3/1000"_s), once(0, 300)));
        QCOMPARE_FAULT(stalled, TaskState::Failed, ErrorKind::IdleTimeout);
        QCOMPARE(stalled.error, u"nothing received for 0.3 s after the response headers (idle timeout)"_s);
        QTRY_COMPARE(server.inFlight(), 0);
    }

    void aRedirectLoop()
    {
        TestHttpServer server;
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/redirect-loop"_s), once()));
        QCOMPARE_FAULT(task, TaskState::Failed, ErrorKind::TooManyRedirects);
        QCOMPARE(task.error, u"too many redirects (more than 10)"_s);
    }

    void anUntrustedCertificateIsRefusedUnlessTrusted()
    {
        const QUrl url(u"https://127.0.0.1:"_s + nginxFile(u"tls-port"_s) + u"/ok"_s);
        ASSIGN_OR_FAIL(const TaskRecord refused, fetchOne(url, once()));
        QCOMPARE_FAULT(refused, TaskState::Failed, ErrorKind::Tls);
        QVERIFY2(refused.error.startsWith(u"TLS: certificate not trusted ("_s) && refused.error.contains(u"self-signed"_s), qPrintable(refused.error));

        BatchSettings trusting = once();
        trusting.caCertificates = QSslCertificate::fromPath(qEnvironmentVariable("LOOPSCOPE_NGINX_DIR") + u"/tls-cert.pem"_s);
        QCOMPARE(trusting.caCertificates.size(), 1);
        ASSIGN_OR_FAIL(const TaskRecord trusted, fetchOne(url, trusting));
        QCOMPARE_FAULT(trusted, TaskState::Succeeded, ErrorKind::None);
        QCOMPARE(trusted.httpStatus, 200);
    }

    void anUnknownHost()
    {
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(QUrl(u"http://nothing.invalid/"_s), once()));
        QCOMPARE_FAULT(task, TaskState::Failed, ErrorKind::HostNotFound);
        QCOMPARE(task.error, u"host not found: nothing.invalid"_s);
    }

    void aDecompressionBombIsStopped_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("gzip") << u"/gzip-bomb/64"_s;
        QTest::newRow("deflate") << u"/deflate-bomb/64"_s;
    }

    void aDecompressionBombIsStopped()
    {
        QFETCH(QString, path);
        TestHttpServer server;
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(path), once()));
        QCOMPARE_FAULT(task, TaskState::Failed, ErrorKind::Decompression);
        QCOMPARE(task.error, u"compressed response expands too much (decompression bomb?)"_s);
        QVERIFY(task.bytesReceived < 64 * 1024 * 1024);
    }

    void anHonestCompressedResponseIsDecompressed()
    {
        TestHttpServer server;
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/gzip-bomb/1"_s), once()));
        QCOMPARE_FAULT(task, TaskState::Succeeded, ErrorKind::None);
        QCOMPARE(task.bytesReceived, qint64(1024 * 1024));
    }

    void aResponseOverTheSizeLimit()
    {
        TestHttpServer server;
        BatchSettings limited = once();
        limited.maxBytes = 1'000;
        // Refused by its Content-Length before the body arrives.
        ASSIGN_OR_FAIL(const TaskRecord announced, fetchOne(server.url(u"/bytes/5000"_s), limited));
        QCOMPARE_FAULT(announced, TaskState::Failed, ErrorKind::TooLarge);
        QCOMPARE(announced.error, u"response larger than the 1,000-byte limit (Content-Length: 5,000)"_s);
        // Stopped as the bytes arrive when there is no Content-Length.
        ASSIGN_OR_FAIL(const TaskRecord unsized, fetchOne(server.url(u"/unsized/5000"_s), limited));
        QCOMPARE_FAULT(unsized, TaskState::Failed, ErrorKind::TooLarge);
        QCOMPARE(unsized.error, u"response larger than the 1,000-byte limit"_s);
        ASSIGN_OR_FAIL(const TaskRecord atTheLimit, fetchOne(server.url(u"/bytes/1000"_s), limited));
        QCOMPARE_FAULT(atTheLimit, TaskState::Succeeded, ErrorKind::None);
    }

    void malformedAndForeignLinesAreRejectedWithTheirPlace()
    {
        const QString longest = u"http://example.org/"_s + QString(32'768 - 19, u'a');
        const QStringList lines{u"http://example.org/ok"_s, u"ftp://example.org/file"_s, u"http://exa mple.org/"_s, u"example.org/page"_s,
                                u"http://"_s, longest, longest + u'a', u"mailto:someone@example.org"_s};
        QByteArray text = lines.join(u'\n').toUtf8();
        QBuffer file(&text);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const UrlList parsed = readUrlLines(file, u"list.txt"_s);
        QCOMPARE(parsed.urls.size(), 2);
        QCOMPARE(parsed.urls.last().size(), 32'768);
        QStringList rejected;
        for (const RejectedLine &line : parsed.rejected)
            rejected << line.toString();
        QCOMPARE(rejected.size(), 6);
        QCOMPARE(rejected[0], u"list.txt:2: unsupported scheme \"ftp\" (only http and https)"_s);
        QCOMPARE(rejected[1], u"list.txt:3: URL contains white space"_s);
        QVERIFY2(rejected[2].startsWith(u"list.txt:4: not a URL"_s), qPrintable(rejected[2]));
        QVERIFY2(rejected[3].startsWith(u"list.txt:5: "_s), qPrintable(rejected[3]));
        QCOMPARE(rejected[4], u"list.txt:7: URL longer than 32,768 characters"_s);
        QCOMPARE(rejected[5], u"list.txt:8: unsupported scheme \"mailto\" (only http and https)"_s);
    }

    void aLongButAllowedUrlIsFetchedAndTheAnswerRecorded()
    {
        const QUrl url(m_nginx + u"/long/"_s + QString(10'000, u'a'));
        QVERIFY(fetchableUrl(url.toString()));
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(url, once()));
        QCOMPARE_FAULT(task, TaskState::Failed, ErrorKind::Http);
        QCOMPARE(task.httpStatus, 414);
        QCOMPARE(task.error, u"HTTP 414 Request-URI Too Large"_s);
    }

    void anIpv6Literal()
    {
        const QString authority = nginxFile(u"ipv6"_s);
        if (authority.isEmpty())
            QSKIP("this machine has no IPv6 loopback (::1), so the nginx fixture listens on 127.0.0.1 only");
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(QUrl(u"http://"_s + authority + u"/ok"_s), once()));
        QCOMPARE_FAULT(task, TaskState::Succeeded, ErrorKind::None);
        QCOMPARE(task.httpStatus, 200);
        QCOMPARE(task.url.host(), u"::1"_s);
    }

    void retryableFailuresAreRetriedOthersAreNot()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        BatchSettings settings;
        settings.retries = 2;
        ASSIGN_OR_FAIL(const TaskRecord retried, fetchOne(engine, server.url(u"/fail-then-ok/503/1"_s), settings));
        QCOMPARE_FAULT(retried, TaskState::Succeeded, ErrorKind::None);
        QCOMPARE(retried.attempts, 2);
        QCOMPARE(retried.retryAt, -1);
        // The wait was published as such, with what the failed attempt said.
        QVERIFY(observer.waiting.count(retried.id));
        const TaskRecord &waiting = observer.waiting.at(retried.id);
        QCOMPARE(waiting.state, TaskState::Running);
        QCOMPARE(waiting.attempts, 1);
        QCOMPARE(waiting.error, u"HTTP 503 Service Unavailable"_s);
        QVERIFY(waiting.retryAt > waiting.startedAt);

        ASSIGN_OR_FAIL(const TaskRecord notFound, fetchOne(engine, server.url(u"/status/404"_s), settings));
        QCOMPARE_FAULT(notFound, TaskState::Failed, ErrorKind::Http);
        QCOMPARE(notFound.attempts, 1);
        QVERIFY(!observer.waiting.count(notFound.id));
    }

    void retryAfterInSecondsIsHonoured_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("503") << u"/retry-after/503/1"_s;
        QTest::newRow("429") << u"/retry-after/429/1?status=429"_s;
    }

    void retryAfterInSecondsIsHonoured()
    {
        QFETCH(QString, path);
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(engine, server.url(path), BatchSettings{}));
        QCOMPARE_FAULT(task, TaskState::Succeeded, ErrorKind::None);
        QCOMPARE(task.attempts, 2);
        QVERIFY(observer.waiting.count(task.id));
        QVERIFY(observer.waiting.at(task.id).retryAt >= task.startedAt + 1'000);
        // Timers may fire a little early; never a second early.
        QVERIFY(task.finishedAt - task.startedAt >= 1'000 - 100);
    }

    void retryAfterAsAnHttpDateIsHonoured()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        QDateTime until = QDateTime::currentDateTimeUtc().addSecs(2);
        until.setTime(QTime(until.time().hour(), until.time().minute(), until.time().second())); // HTTP dates have whole seconds
        const QString date = QLocale::c().toString(until, u"ddd, dd MMM yyyy HH:mm:ss 'GMT'"_s);
        ASSIGN_OR_FAIL(const TaskRecord task,
                       fetchOne(engine, server.url(u"/retry-after/date/"_s + QString::fromLatin1(QUrl::toPercentEncoding(date))), BatchSettings{}));
        QCOMPARE_FAULT(task, TaskState::Succeeded, ErrorKind::None);
        QCOMPARE(task.attempts, 2);
        QVERIFY(observer.waiting.count(task.id));
        const QDateTime retryAt = EngineClock::toUtc(observer.waiting.at(task.id).retryAt);
        QVERIFY2(retryAt >= until.addMSecs(-50), qPrintable(retryAt.toString(Qt::ISODateWithMs) + u" < "_s + date));
    }

    void aRetryAfterBeyondTheCapFailsAtOnce()
    {
        TestHttpServer server;
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/retry-after/long/120"_s), BatchSettings{}));
        QCOMPARE_FAULT(task, TaskState::Failed, ErrorKind::Http);
        QCOMPARE(task.attempts, 1);
        QCOMPARE(task.httpStatus, 503);
        QCOMPARE(task.error,
                 u"HTTP 503 Service Unavailable; the server asked to wait 120 s before another attempt, longer than the 60 s limit"_s);
        // The largest wait the parser gives: said as it is, not overflowed.
        ASSIGN_OR_FAIL(const TaskRecord longest, fetchOne(server.url(u"/retry-after/longest/9223372036854775"_s), BatchSettings{}));
        QCOMPARE(longest.error, u"HTTP 503 Service Unavailable; the server asked to wait 9,223,372,036,854,775 s before another attempt, "
                                "longer than the 60 s limit"_s);
    }

    void cancellingDuringABackoffWaitEndsTheTask()
    {
        TestHttpServer server;
        Engine engine;
        Observer observer(engine);
        const BatchId id = engine.addBatch(u"patient"_s, {server.url(u"/retry-after/cancel/60"_s)}, BatchSettings{});
        QTRY_VERIFY(observer.waiting.count(1));
        engine.cancelTask(1);
        // Far sooner than the minute the server asked for.
        ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
        QCOMPARE(batch.count(TaskState::Cancelled), 1);
        QTRY_VERIFY(observer.latest.count(1) && isTerminal(observer.latest.at(1).state));
        const TaskRecord &task = observer.latest.at(1);
        QCOMPARE_FAULT(task, TaskState::Cancelled, ErrorKind::Cancelled);
        QCOMPARE(task.cancelReason, CancelReason::User);
        QCOMPARE(task.attempts, 1);
        QCOMPARE(task.retryAt, -1);
        QCOMPARE(server.requestCount(), 1);
    }

    void retryAfterValues_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<qint64>("expectedMs"); // -1: not a Retry-After value
        QTest::newRow("seconds") << QByteArray("120") << qint64(120'000);
        QTest::newRow("zero") << QByteArray(" 0 ") << qint64(0);
        QTest::newRow("negative") << QByteArray("-5") << qint64(-1);
        QTest::newRow("words") << QByteArray("soon") << qint64(-1);
        QTest::newRow("IMF-fixdate") << QByteArray("Fri, 01 Mar 2024 12:00:30 GMT") << qint64(30'000);
        QTest::newRow("RFC 850") << QByteArray("Friday, 01-Mar-24 12:01:00 GMT") << qint64(60'000);
        QTest::newRow("asctime") << QByteArray("Fri Mar  1 12:00:05 2024") << qint64(5'000);
        QTest::newRow("past date") << QByteArray("Thu, 29 Feb 2024 12:00:00 GMT") << qint64(0);
    }

    void retryAfterValues()
    {
        QFETCH(QByteArray, value);
        QFETCH(qint64, expectedMs);
        const QDateTime now(QDate(2024, 3, 1), QTime(12, 0, 0), Qt::UTC);
        QCOMPARE(retryAfterMs(value, now).value_or(-1), expectedMs);
    }

    // A response that breaks off or does not parse is never taken for a whole one: whether its
    // body is saved or only counted, the task fails with the cause, and no file is left behind.
    void aBrokenResponseFailsAndLeavesNoFile_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("saved");
        QTest::addColumn<QString>("kind"); // as written to records
        QTest::addColumn<QString>("error");
        const QByteArray gzip = TestHttpServer::gzipped(TestHttpServer::randomBytes(1, 0, 200'000));
        struct Case {
            const char *name;
            QString path, kind, error;
        };
        const QList<Case> cases{
            {"gzip cut short", u"/gzip-cut/200000"_s, u"connection_reset"_s,
             u"body cut short: connection closed after %1 of %2 bytes"_s.arg(number(gzip.size() / 2), number(gzip.size()))},
            {"closed short", u"/short/1000/100"_s, u"connection_reset"_s, u"body cut short: connection closed after 100 of 1,000 bytes"_s},
            {"unsized then reset", u"/unsized-reset/1000"_s, u"connection_reset"_s,
             u"body cut short: connection reset by the server after 1,000 bytes"_s},
            {"chunk cut short", u"/chunked-cut/1000"_s, u"connection_reset"_s,
             u"body cut short: connection closed in the middle of the chunked body after 500 bytes"_s},
            {"chunk size not a number", u"/chunked-bad/1000"_s, u"malformed_response"_s, u"malformed response: a chunk size is not a number"_s},
            {"malformed status line", u"/malformed-status"_s, u"malformed_response"_s, u"malformed response"_s},
        };
        for (const Case &c : cases) {
            QTest::addRow("%s, saved", c.name) << c.path << true << c.kind << c.error;
            QTest::addRow("%s, counted", c.name) << c.path << false << c.kind << c.error;
        }
    }

    void aBrokenResponseFailsAndLeavesNoFile()
    {
        QFETCH(QString, path);
        QFETCH(bool, saved);
        QFETCH(QString, kind);
        QFETCH(QString, error);
        TestHttpServer server;
        QTemporaryDir folder;
        BatchSettings settings = once(30'000, 2'000);
        if (saved)
            settings.outputDir = folder.path();
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(path), settings));
        QVERIFY2(task.state == TaskState::Failed && errorKindName(task.errorKind) == kind && task.error == error, qPrintable(describe(task)));
        QVERIFY(task.savedPath.isEmpty());
        // Neither the file nor its .part.
        QCOMPARE(QDir(folder.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot), QStringList());
    }
};

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
