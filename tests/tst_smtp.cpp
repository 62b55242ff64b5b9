// The SMTP client and the notification tasks against real aiosmtpd servers started by the
// ctest fixture (tests/smtp), and the webhook against the in-process HTTP server.
#include "CancelToken.h"
#include "Engine.h"
#include "SmtpClient.h"
#include "support/SmtpFixture.h"
#include "support/TestHttpServer.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTest>
#include <QTimer>
#include <QCoroFuture>

#include <optional>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
SmtpServer server(const QString &name, const QString &scheme = u"smtp"_s, const QString &user = {})
{
    SmtpServer smtp;
    smtp.url = QUrl(u"%1://127.0.0.1:%2"_s.arg(scheme).arg(SmtpFixture::port(name)));
    if (!user.isEmpty()) {
        smtp.url.setUserName(user);
        smtp.password = u"secret"_s;
    }
    smtp.extraCaCertificates = QSslCertificate::fromPath(SmtpFixture::caFile());
    smtp.stepTimeoutMs = 10'000;
    return smtp;
}

MailMessage message(const QString &subject, const QString &body = u"Body line\n.hidden line starting with a dot\nlast"_s)
{
    return {{u"Loopscope"_s, u"loopscope@example.org"_s}, {{{}, u"ops@example.org"_s}, {u"Ops Two"_s, u"two@example.org"_s}}, subject, body, {}, {}};
}

MailMessage messageTo(const QString &subject, const QString &address)
{
    MailMessage mail = message(subject);
    mail.to = {{{}, address}};
    return mail;
}

// Runs the coroutine to its end on this thread's loop.
Result<> send(const SmtpServer &smtp, const MailMessage &mail, CancelToken *token = nullptr)
{
    CancelToken own;
    return QCoro::waitFor(sendMail(smtp, mail, token ? *token : own));
}

// The e-mail task that the engine runs for a finished one-URL batch, once it has ended, after
// any retries.
std::optional<TaskRecord> emailTask(const SmtpServer &smtp, const QString &recipient)
{
    TestHttpServer web;
    Engine engine;
    NotificationSettings settings;
    settings.smtp = smtp;
    settings.from = {{}, u"loopscope@example.org"_s};
    settings.recipients = {{{}, recipient}};
    engine.setNotifications(settings);
    const BatchId id = engine.addBatch(u"nightly"_s, {web.url(u"/ok"_s)}, BatchSettings{});
    QFuture<QList<TaskRecord>> notified = engine.whenNotified(id);
    if (!QTest::qWaitFor([&notified] { return notified.isFinished(); }, 30'000) || notified.result().size() != 1)
        return std::nullopt;
    return notified.result().first();
}

qsizetype refusalsOf(const QString &server, const QString &line)
{
    return SmtpFixture::refusals(server).count(line);
}

} // namespace

namespace loopscope {
// QCOMPARE shows kinds by their stable names.
char *toString(ErrorKind kind)
{
    return qstrdup(qPrintable(u'"' + errorKindName(kind) + u'"'));
}
} // namespace loopscope

class TestSmtp : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(SmtpFixture::port(u"plain"_s) > 0, "the SMTP fixture is not running (LOOPSCOPE_SMTP_DIR/ports.env)");
    }

    void plainDelivery()
    {
        const qsizetype before = SmtpFixture::delivered(u"plain"_s).size();
        const Result<> sent = send(server(u"plain"_s), message(u"Plain"_s));
        QVERIFY2(sent.ok(), qPrintable(sent.error()));
        QCOMPARE(SmtpFixture::delivered(u"plain"_s).size(), before + 1);
        const QByteArray mail = SmtpFixture::lastDelivered(u"plain"_s);
        QVERIFY(mail.contains("Subject: Plain\r\n"));
        QVERIFY(mail.contains("From: Loopscope <loopscope@example.org>\r\n"));
        QVERIFY(mail.contains("Message-ID: <"));
        QVERIFY(mail.contains("Date: "));
        // Dot-stuffed on the wire, restored by the server: the line arrives as written.
        QVERIFY(mail.contains("\r\n.hidden line starting with a dot\r\n"));
        const QJsonObject envelope = QJsonDocument::fromJson(SmtpFixture::lastDelivered(u"plain"_s, u".json"_s)).object();
        QCOMPARE(envelope[u"rcpt_tos"].toVariant().toStringList(), (QStringList{u"ops@example.org"_s, u"two@example.org"_s}));
        QCOMPARE(envelope[u"mail_from"].toString(), u"loopscope@example.org"_s);
    }

    void starttlsAndAuthentication()
    {
        const Result<> sent = send(server(u"starttls_auth"_s, u"smtp"_s, u"loopscope"_s), message(u"Secure"_s));
        QVERIFY2(sent.ok(), qPrintable(sent.error()));
        const QJsonObject envelope = QJsonDocument::fromJson(SmtpFixture::lastDelivered(u"starttls_auth"_s, u".json"_s)).object();
        QCOMPARE(envelope[u"auth_login"].toString(), u"loopscope"_s);
        QCOMPARE(envelope[u"auth_mechanism"].toString(), u"PLAIN"_s); // preferred when offered
    }

    void implicitTls()
    {
        const Result<> sent = send(server(u"smtps_auth"_s, u"smtps"_s, u"loopscope"_s), message(u"Implicit"_s));
        QVERIFY2(sent.ok(), qPrintable(sent.error()));
        QVERIFY(SmtpFixture::lastDelivered(u"smtps_auth"_s).contains("Subject: Implicit\r\n"));
        // This server offers AUTH LOGIN only.
        const QJsonObject envelope = QJsonDocument::fromJson(SmtpFixture::lastDelivered(u"smtps_auth"_s, u".json"_s)).object();
        QCOMPARE(envelope[u"auth_mechanism"].toString(), u"LOGIN"_s);
        QCOMPARE(envelope[u"auth_login"].toString(), u"loopscope"_s);
        QVERIFY(envelope[u"tls"].toBool());
    }

    void wrongPasswordQuotesTheServer()
    {
        SmtpServer smtp = server(u"starttls_auth"_s, u"smtp"_s, u"loopscope"_s);
        smtp.password = u"wrong"_s;
        const Result<> sent = send(smtp, message(u"Nope"_s));
        QCOMPARE(sent.kind(), ErrorKind::Refused);
        QCOMPARE(sent.error(), u"mail server 127.0.0.1 refused AUTH PLAIN: 535 5.7.8 Authentication credentials invalid"_s);
    }

    // STARTTLS to a self-signed certificate, and TLS from the first byte to the fixture's
    // certificate without trusting the test CA that signed it.
    void untrustedCertificateNamesTheProblem_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<bool>("trustTestCa");
        QTest::addColumn<QString>("problem");
        QTest::newRow("self-signed") << u"untrusted"_s << u"smtp"_s << true << u"The certificate is self-signed, and untrusted"_s;
        QTest::newRow("unknown CA") << u"smtps_auth"_s << u"smtps"_s << false
                                    << u"The issuer certificate of a locally looked up certificate could not be found; "
                                       "No certificates could be verified"_s;
    }

    void untrustedCertificateNamesTheProblem()
    {
        QFETCH(QString, name);
        QFETCH(QString, scheme);
        QFETCH(bool, trustTestCa);
        QFETCH(QString, problem);
        SmtpServer smtp = server(name, scheme, u"loopscope"_s);
        if (!trustTestCa)
            smtp.extraCaCertificates.clear();
        const qsizetype before = SmtpFixture::delivered(name).size();
        const Result<> sent = send(smtp, message(u"Untrusted"_s));
        QCOMPARE(sent.kind(), ErrorKind::Tls);
        QCOMPARE(sent.error(), u"TLS with 127.0.0.1 failed: "_s + problem);
        QCOMPARE(SmtpFixture::delivered(name).size(), before);
    }

    void credentialsNeverGoInClearText()
    {
        const Result<> sent = send(server(u"plain_auth_offered"_s, u"smtp"_s, u"loopscope"_s), message(u"Clear"_s));
        QCOMPARE(sent.kind(), ErrorKind::Refused);
        QVERIFY2(sent.error().startsWith(u"refusing to send the password without TLS"_s), qPrintable(sent.error()));
        QVERIFY(SmtpFixture::delivered(u"plain_auth_offered"_s).isEmpty());
    }

    void refusedRecipientIsReported()
    {
        MailMessage mail = message(u"Refused"_s);
        mail.to.append({{}, u"refused@example.org"_s});
        const Result<> sent = send(server(u"starttls_auth"_s, u"smtp"_s, u"loopscope"_s), mail);
        QCOMPARE(sent.kind(), ErrorKind::Refused);
        QCOMPARE(sent.error(), u"mail server 127.0.0.1 refused RCPT TO:<refused@example.org>: "
                               "550 5.1.1 <refused@example.org>: Recipient address rejected"_s);
    }

    void deferredRecipientIsTemporary()
    {
        const Result<> sent = send(server(u"plain"_s), messageTo(u"Deferred"_s, u"busy@example.org"_s));
        QCOMPARE(sent.kind(), ErrorKind::Temporary);
        QCOMPARE(sent.error(), u"mail server 127.0.0.1 refused RCPT TO:<busy@example.org> for now: "
                               "451 4.3.0 <busy@example.org>: Mailbox busy, try again later"_s);
    }

    void refusedMessageIsReported()
    {
        const qsizetype before = SmtpFixture::delivered(u"plain"_s).size();
        const Result<> sent = send(server(u"plain"_s), messageTo(u"Spam"_s, u"spam@example.org"_s));
        QCOMPARE(sent.kind(), ErrorKind::Refused);
        QCOMPARE(sent.error(), u"mail server 127.0.0.1 refused the message: 554 5.6.0 Message content rejected"_s);
        QCOMPARE(SmtpFixture::delivered(u"plain"_s).size(), before);
    }

    void droppedDuringData()
    {
        const Result<> sent = send(server(u"drop"_s), message(u"Dropped"_s));
        QCOMPARE(sent.kind(), ErrorKind::ConnectionReset);
        QVERIFY2(sent.error().contains(u"closed the connection"_s), qPrintable(sent.error()));
    }

    void unreachableServers()
    {
        QTcpServer closed; // a port that was free a moment ago, so nothing listens there now
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        SmtpServer smtp;
        smtp.url = QUrl(u"smtp://127.0.0.1:%1"_s.arg(closed.serverPort()));
        closed.close();
        const Result<> refused = send(smtp, message(u"Nobody"_s));
        QCOMPARE(refused.kind(), ErrorKind::ConnectionRefused);
        QVERIFY2(refused.error().startsWith(u"connecting to 127.0.0.1:%1 failed: "_s.arg(smtp.url.port())),
                 qPrintable(refused.error()));

        smtp.url = QUrl(u"smtp://nothing.invalid"_s);
        const Result<> unknown = send(smtp, message(u"Nowhere"_s));
        QCOMPARE(unknown.kind(), ErrorKind::HostNotFound);
        QVERIFY2(unknown.error().startsWith(u"connecting to nothing.invalid:25 failed: "_s), qPrintable(unknown.error()));
    }

    void heloWhenEhloIsRefused()
    {
        const Result<> sent = send(server(u"helo_only"_s), message(u"Helo"_s));
        QVERIFY2(sent.ok(), qPrintable(sent.error()));
        QVERIFY(SmtpFixture::lastDelivered(u"helo_only"_s).contains("Subject: Helo\r\n"));
    }

    void headerInjectionStaysInItsHeader()
    {
        const Result<> sent = send(server(u"plain"_s), message(u"Report\r\nBcc: evil@example.org"_s));
        QVERIFY2(sent.ok(), qPrintable(sent.error()));
        const QByteArray mail = SmtpFixture::lastDelivered(u"plain"_s);
        QVERIFY(!mail.contains("\r\nBcc:"));
        const QJsonObject envelope = QJsonDocument::fromJson(SmtpFixture::lastDelivered(u"plain"_s, u".json"_s)).object();
        QVERIFY(!envelope[u"rcpt_tos"].toVariant().toStringList().contains(u"evil@example.org"_s));
        const Result<MailAddress> injected = parseMailAddress(u"ops@example.org\r\nBcc: evil@example.org"_s);
        QVERIFY(!injected);
        QVERIFY(!injected.error().isEmpty());
    }

    void nonAsciiSubject()
    {
        const QString subject = u"Résumé — 32 s of work in 17 s ✓"_s;
        const Result<> sent = send(server(u"plain"_s), message(subject, u"Grüße"_s));
        QVERIFY2(sent.ok(), qPrintable(sent.error()));
        const QByteArray mail = SmtpFixture::lastDelivered(u"plain"_s);
        QVERIFY(mail.contains("Subject: =?UTF-8?"));
        QVERIFY(!mail.contains(subject.toUtf8())); // never raw 8-bit in a header
    }

    void silentServerTimesOutAndCancelIsPrompt()
    {
        QTcpServer silent; // accepts and never greets
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        SmtpServer smtp;
        smtp.url = QUrl(u"smtp://127.0.0.1:%1"_s.arg(silent.serverPort()));
        smtp.stepTimeoutMs = 300;
        const Result<> timedOut = send(smtp, message(u"Silent"_s));
        QCOMPARE(timedOut.kind(), ErrorKind::Timeout);
        QCOMPARE(timedOut.error(), u"timed out after 0.3 s waiting for the reply to greeting"_s);

        smtp.stepTimeoutMs = 60'000;
        CancelToken token;
        QTimer::singleShot(50, &token, [&token] { token.cancel(CancelReason::User); });
        const Result<> cancelled = send(smtp, message(u"Silent"_s), &token);
        QCOMPARE(cancelled.kind(), ErrorKind::Cancelled);
        QCOMPARE(cancelled.error(), u"cancelled by user"_s);
    }

    // A 4xx reply or no reply at all may go better later: the notification task tries again
    // with backoff, three times, and ends failed with what the last attempt said.
    void temporaryFailuresAreRetried_data()
    {
        QTest::addColumn<QString>("recipient");
        QTest::addColumn<QString>("refusal"); // as the server logs each attempt
        QTest::addColumn<ErrorKind>("kind");
        QTest::addColumn<QString>("error");
        QTest::newRow("4xx") << u"busy@example.org"_s << u"RCPT TO:<busy@example.org> 451"_s << ErrorKind::Temporary
                             << u"mail server 127.0.0.1 refused RCPT TO:<busy@example.org> for now: "
                                "451 4.3.0 <busy@example.org>: Mailbox busy, try again later"_s;
        QTest::newRow("no reply") << u"silent@example.org"_s << u"RCPT TO:<silent@example.org> no answer"_s << ErrorKind::Timeout
                                  << u"timed out after 0.3 s waiting for the reply to RCPT TO:<silent@example.org>"_s;
    }

    void temporaryFailuresAreRetried()
    {
        QFETCH(QString, recipient);
        QFETCH(QString, refusal);
        QFETCH(ErrorKind, kind);
        QFETCH(QString, error);
        SmtpServer smtp = server(u"plain"_s);
        smtp.stepTimeoutMs = 300;
        const qsizetype before = refusalsOf(u"plain"_s, refusal);
        const std::optional<TaskRecord> task = emailTask(smtp, recipient);
        QVERIFY(task);
        QCOMPARE(task->state, TaskState::Failed);
        QCOMPARE(task->attempts, 4);
        QCOMPARE(task->attemptLog.size(), 4);
        QCOMPARE(refusalsOf(u"plain"_s, refusal), before + 4); // the server saw every attempt
        for (const AttemptRecord &attempt : task->attemptLog)
            QCOMPARE(attempt.errorKind, kind);
        QCOMPARE(task->errorKind, kind);
        QCOMPARE(task->error, error);
    }

    // A 5xx reply or an untrusted certificate says the same the next time: one attempt.
    void permanentFailuresAreNotRetried_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("recipient");
        QTest::addColumn<QString>("refusal"); // as the server logs each attempt; empty: none
        QTest::addColumn<ErrorKind>("kind");
        QTest::addColumn<QString>("error");
        QTest::newRow("5xx to RCPT") << u"starttls_auth"_s << u"loopscope"_s << u"refused@example.org"_s << u"RCPT TO:<refused@example.org> 550"_s
                                     << ErrorKind::Refused
                                     << u"mail server 127.0.0.1 refused RCPT TO:<refused@example.org>: "
                                        "550 5.1.1 <refused@example.org>: Recipient address rejected"_s;
        QTest::newRow("5xx to DATA") << u"plain"_s << QString() << u"spam@example.org"_s << u"DATA 554"_s << ErrorKind::Refused
                                     << u"mail server 127.0.0.1 refused the message: 554 5.6.0 Message content rejected"_s;
        QTest::newRow("untrusted") << u"untrusted"_s << u"loopscope"_s << u"ops@example.org"_s << QString() << ErrorKind::Tls
                                   << u"TLS with 127.0.0.1 failed: The certificate is self-signed, and untrusted"_s;
    }

    void permanentFailuresAreNotRetried()
    {
        QFETCH(QString, name);
        QFETCH(QString, user);
        QFETCH(QString, recipient);
        QFETCH(QString, refusal);
        QFETCH(ErrorKind, kind);
        QFETCH(QString, error);
        const qsizetype before = refusalsOf(name, refusal);
        const std::optional<TaskRecord> task = emailTask(server(name, u"smtp"_s, user), recipient);
        QVERIFY(task);
        QCOMPARE(task->state, TaskState::Failed);
        QCOMPARE(task->attempts, 1);
        QCOMPARE(task->attemptLog.size(), 1);
        if (!refusal.isEmpty())
            QCOMPARE(refusalsOf(name, refusal), before + 1);
        QCOMPARE(task->errorKind, kind);
        QCOMPARE(task->error, error);
    }

    void batchSendsOneEmailAndOneWebhook()
    {
        TestHttpServer web;
        Engine engine;
        NotificationSettings settings;
        settings.smtp = server(u"starttls_auth"_s, u"smtp"_s, u"loopscope"_s);
        settings.from = {u"Loopscope"_s, u"loopscope@example.org"_s};
        settings.recipients = {{{}, u"ops@example.org"_s}};
        settings.webhook = web.url(u"/fail-then-ok/hook/1"_s); // 503 once, then accepted
        engine.setNotifications(settings);
        const qsizetype before = SmtpFixture::delivered(u"starttls_auth"_s).size();
        const BatchId id = engine.addBatch(u"nightly"_s, {web.url(u"/ok"_s), web.url(u"/status/404"_s)}, BatchSettings{});
        QFuture<QList<TaskRecord>> notified = engine.whenNotified(id);
        QTRY_VERIFY_WITH_TIMEOUT(notified.isFinished(), 30'000);
        const QList<TaskRecord> tasks = notified.result();
        QCOMPARE(tasks.size(), 2);
        for (const TaskRecord &task : tasks) {
            QVERIFY2(task.state == TaskState::Succeeded, qPrintable(task.error));
            QCOMPARE(task.batch, NotificationBatchId);
        }
        QCOMPARE(tasks[1].attempts, 2); // the webhook's 503 was retried
        QCOMPARE(SmtpFixture::delivered(u"starttls_auth"_s).size(), before + 1);
        const QByteArray mail = SmtpFixture::lastDelivered(u"starttls_auth"_s).replace("\r\n ", " "); // unfolded
        QVERIFY(mail.contains("Subject: Loopscope: batch \"nightly\" finished: 1 succeeded, 1 failed, 0 cancelled"));
        QVERIFY(mail.contains("/status/404 (HTTP 404"));
        const QJsonObject hook = QJsonDocument::fromJson(web.lastRequestBody()).object();
        QCOMPARE(hook[u"batch"].toString(), u"nightly"_s);
        QCOMPARE(hook[u"succeeded"].toInt(), 1);
        QCOMPARE(hook[u"failed"].toInt(), 1);
        QCOMPARE(hook[u"cancelled"].toInt(), 0);
        QVERIFY(hook.contains(u"elapsed_ms"_s));
        QCOMPARE(hook[u"failed_urls"].toArray().size(), 1);
        // Only batches with failures, when asked: a clean batch sends nothing.
        settings.when = NotifyWhen::BatchesWithFailures;
        engine.setNotifications(settings);
        const BatchId clean = engine.addBatch(u"clean"_s, {web.url(u"/ok"_s)}, BatchSettings{});
        QFuture<QList<TaskRecord>> none = engine.whenNotified(clean);
        QFuture<BatchRecord> cleanDone = engine.whenBatchFinished(clean);
        QTRY_VERIFY(cleanDone.isFinished());
        none = engine.whenNotified(clean);
        QTRY_VERIFY(none.isFinished());
        QVERIFY(none.result().isEmpty());
    }

    void sendTestReportsEveryChannel()
    {
        TestHttpServer web;
        Engine engine;
        NotificationSettings settings;
        settings.smtp = server(u"starttls_auth"_s, u"smtp"_s, u"loopscope"_s);
        settings.from = {{}, u"loopscope@example.org"_s};
        settings.recipients = {{{}, u"ops@example.org"_s}};
        settings.webhook = web.url(u"/post-echo"_s);
        const qsizetype before = SmtpFixture::delivered(u"starttls_auth"_s).size();
        QFuture<QString> sent = engine.sendTestNotification(settings);
        QTRY_VERIFY_WITH_TIMEOUT(sent.isFinished(), 30'000);
        QCOMPARE(sent.result(), u"E-mail sent. Webhook answered HTTP 200."_s);
        QCOMPARE(SmtpFixture::delivered(u"starttls_auth"_s).size(), before + 1);
        QCOMPARE(QJsonDocument::fromJson(web.lastRequestBody()).object()[u"batch"].toString(), u"Test from Loopscope"_s);

        settings.smtp.password = u"wrong"_s;
        settings.webhook = web.url(u"/status/404"_s);
        QFuture<QString> refused = engine.sendTestNotification(settings);
        QTRY_VERIFY_WITH_TIMEOUT(refused.isFinished(), 30'000);
        QVERIFY2(refused.result().contains(u"E-mail failed: mail server 127.0.0.1 refused AUTH PLAIN: 535 5.7.8 Authentication credentials invalid"_s),
                 qPrintable(refused.result()));
        QVERIFY2(refused.result().contains(u"Webhook failed: "_s), qPrintable(refused.result()));
    }

    void notificationTasksCanBeCancelled()
    {
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        TestHttpServer web;
        Engine engine;
        NotificationSettings settings;
        settings.smtp.url = QUrl(u"smtp://127.0.0.1:%1"_s.arg(silent.serverPort()));
        settings.from = {{}, u"loopscope@example.org"_s};
        settings.recipients = {{{}, u"ops@example.org"_s}};
        engine.setNotifications(settings);
        const BatchId id = engine.addBatch(u"quiet"_s, {web.url(u"/ok"_s)}, BatchSettings{});
        QFuture<BatchRecord> done = engine.whenBatchFinished(id);
        QTRY_VERIFY(done.isFinished());
        QFuture<QList<TaskRecord>> notified = engine.whenNotified(id);
        QTRY_VERIFY(silent.hasPendingConnections() || silent.waitForNewConnection(100));
        engine.cancelTask(FirstNotificationTaskId);
        QTRY_VERIFY(notified.isFinished());
        QCOMPARE(notified.result().first().state, TaskState::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestSmtp)
#include "tst_smtp.moc"
