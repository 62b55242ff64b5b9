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

using namespace loopscope;

namespace {
SmtpServer server(const QString &name, const QString &scheme = u"smtp"_qs, const QString &user = {})
{
    SmtpServer smtp;
    smtp.url = QUrl(QStringLiteral("%1://127.0.0.1:%2").arg(scheme).arg(SmtpFixture::port(name)));
    if (!user.isEmpty()) {
        smtp.url.setUserName(user);
        smtp.password = u"secret"_qs;
    }
    smtp.extraCaCertificates = QSslCertificate::fromPath(SmtpFixture::caFile());
    smtp.stepTimeoutMs = 10'000;
    return smtp;
}

MailMessage message(const QString &subject, const QString &body = u"Body line\n.hidden line starting with a dot\nlast"_qs)
{
    return {{u"Loopscope"_qs, u"loopscope@example.org"_qs}, {{{}, u"ops@example.org"_qs}, {u"Ops Two"_qs, u"two@example.org"_qs}}, subject, body, {}, {}};
}

// Runs the coroutine to its end on this thread's loop.
QString send(const SmtpServer &smtp, const MailMessage &mail, CancelToken *token = nullptr)
{
    CancelToken own;
    return QCoro::waitFor(sendMail(smtp, mail, token ? *token : own));
}

} // namespace

class TestSmtp : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(SmtpFixture::port(u"plain"_qs) > 0, "the SMTP fixture is not running (LOOPSCOPE_SMTP_DIR/ports.env)");
    }

    void plainDelivery()
    {
        const qsizetype before = SmtpFixture::delivered(u"plain"_qs).size();
        QCOMPARE(send(server(u"plain"_qs), message(u"Plain"_qs)), QString());
        QCOMPARE(SmtpFixture::delivered(u"plain"_qs).size(), before + 1);
        const QByteArray mail = SmtpFixture::lastDelivered(u"plain"_qs);
        QVERIFY(mail.contains("Subject: Plain\r\n"));
        QVERIFY(mail.contains("From: Loopscope <loopscope@example.org>\r\n"));
        QVERIFY(mail.contains("Message-ID: <"));
        QVERIFY(mail.contains("Date: "));
        // Dot-stuffed on the wire, restored by the server: the line arrives as written.
        QVERIFY(mail.contains("\r\n.hidden line starting with a dot\r\n"));
        const QJsonObject envelope = QJsonDocument::fromJson(SmtpFixture::lastDelivered(u"plain"_qs, u".json"_qs)).object();
        QCOMPARE(envelope[u"rcpt_tos"].toVariant().toStringList(), (QStringList{u"ops@example.org"_qs, u"two@example.org"_qs}));
        QCOMPARE(envelope[u"mail_from"].toString(), u"loopscope@example.org"_qs);
    }

    void starttlsAndAuthentication()
    {
        QCOMPARE(send(server(u"starttls_auth"_qs, u"smtp"_qs, u"loopscope"_qs), message(u"Secure"_qs)), QString());
        const QJsonObject envelope = QJsonDocument::fromJson(SmtpFixture::lastDelivered(u"starttls_auth"_qs, u".json"_qs)).object();
        QCOMPARE(envelope[u"auth_login"].toString(), u"loopscope"_qs);
        QCOMPARE(envelope[u"auth_mechanism"].toString(), u"PLAIN"_qs); // preferred when offered
    }

    void implicitTls()
    {
        QCOMPARE(send(server(u"smtps_auth"_qs, u"smtps"_qs, u"loopscope"_qs), message(u"Implicit"_qs)), QString());
        QVERIFY(SmtpFixture::lastDelivered(u"smtps_auth"_qs).contains("Subject: Implicit\r\n"));
        // This server offers AUTH LOGIN only.
        const QJsonObject envelope = QJsonDocument::fromJson(SmtpFixture::lastDelivered(u"smtps_auth"_qs, u".json"_qs)).object();
        QCOMPARE(envelope[u"auth_mechanism"].toString(), u"LOGIN"_qs);
        QCOMPARE(envelope[u"auth_login"].toString(), u"loopscope"_qs);
        QVERIFY(envelope[u"tls"].toBool());
    }

    void wrongPasswordQuotesTheServer()
    {
        SmtpServer smtp = server(u"starttls_auth"_qs, u"smtp"_qs, u"loopscope"_qs);
        smtp.password = u"wrong"_qs;
        const QString error = send(smtp, message(u"Nope"_qs));
        QVERIFY2(error.contains(u"535 5.7.8 Authentication credentials invalid"_qs), qPrintable(error));
    }

    void untrustedCertificateIsRefused()
    {
        SmtpServer smtp = server(u"untrusted"_qs, u"smtp"_qs, u"loopscope"_qs);
        const QString error = send(smtp, message(u"Untrusted"_qs));
        QVERIFY2(error.startsWith(u"the TLS handshake failed"_qs), qPrintable(error));
        QVERIFY(SmtpFixture::delivered(u"untrusted"_qs).isEmpty());
    }

    void credentialsNeverGoInClearText()
    {
        const QString error = send(server(u"plain_auth_offered"_qs, u"smtp"_qs, u"loopscope"_qs), message(u"Clear"_qs));
        QVERIFY2(error.startsWith(u"refusing to send the password without TLS"_qs), qPrintable(error));
        QVERIFY(SmtpFixture::delivered(u"plain_auth_offered"_qs).isEmpty());
    }

    void refusedRecipientIsReported()
    {
        MailMessage mail = message(u"Refused"_qs);
        mail.to.append({{}, u"refused@example.org"_qs});
        const QString error = send(server(u"starttls_auth"_qs, u"smtp"_qs, u"loopscope"_qs), mail);
        QVERIFY2(error.contains(u"RCPT TO:<refused@example.org> refused: 550"_qs), qPrintable(error));
    }

    void droppedDuringData()
    {
        const QString error = send(server(u"drop"_qs), message(u"Dropped"_qs));
        QVERIFY2(error.contains(u"closed the connection"_qs), qPrintable(error));
    }

    void heloWhenEhloIsRefused()
    {
        QCOMPARE(send(server(u"helo_only"_qs), message(u"Helo"_qs)), QString());
        QVERIFY(SmtpFixture::lastDelivered(u"helo_only"_qs).contains("Subject: Helo\r\n"));
    }

    void headerInjectionStaysInItsHeader()
    {
        QCOMPARE(send(server(u"plain"_qs), message(u"Report\r\nBcc: evil@example.org"_qs)), QString());
        const QByteArray mail = SmtpFixture::lastDelivered(u"plain"_qs);
        QVERIFY(!mail.contains("\r\nBcc:"));
        const QJsonObject envelope = QJsonDocument::fromJson(SmtpFixture::lastDelivered(u"plain"_qs, u".json"_qs)).object();
        QVERIFY(!envelope[u"rcpt_tos"].toVariant().toStringList().contains(u"evil@example.org"_qs));
        QString problem;
        QVERIFY(!parseMailAddress(u"ops@example.org\r\nBcc: evil@example.org"_qs, &problem));
        QVERIFY(!problem.isEmpty());
    }

    void nonAsciiSubject()
    {
        const QString subject = u"Résumé — 32 s of work in 17 s ✓"_qs;
        QCOMPARE(send(server(u"plain"_qs), message(subject, u"Grüße"_qs)), QString());
        const QByteArray mail = SmtpFixture::lastDelivered(u"plain"_qs);
        QVERIFY(mail.contains("Subject: =?UTF-8?"));
        QVERIFY(!mail.contains(subject.toUtf8())); // never raw 8-bit in a header
    }

    void silentServerTimesOutAndCancelIsPrompt()
    {
        QTcpServer silent; // accepts and never greets
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        SmtpServer smtp;
        smtp.url = QUrl(QStringLiteral("smtp://127.0.0.1:%1").arg(silent.serverPort()));
        smtp.stepTimeoutMs = 300;
        const QString timedOut = send(smtp, message(u"Silent"_qs));
        QVERIFY2(timedOut.startsWith(u"timed out after 0.3 s waiting for the reply to greeting"_qs), qPrintable(timedOut));

        smtp.stepTimeoutMs = 60'000;
        CancelToken token;
        QTimer::singleShot(50, &token, [&token] { token.cancel(CancelReason::User); });
        QCOMPARE(send(smtp, message(u"Silent"_qs), &token), u"cancelled by user"_qs);
    }

    void batchSendsOneEmailAndOneWebhook()
    {
        TestHttpServer web;
        Engine engine;
        NotificationSettings settings;
        settings.smtp = server(u"starttls_auth"_qs, u"smtp"_qs, u"loopscope"_qs);
        settings.from = {u"Loopscope"_qs, u"loopscope@example.org"_qs};
        settings.recipients = {{{}, u"ops@example.org"_qs}};
        settings.webhook = web.url(u"/fail-then-ok/hook/1"_qs); // 503 once, then accepted
        engine.setNotifications(settings);
        const qsizetype before = SmtpFixture::delivered(u"starttls_auth"_qs).size();
        const BatchId id = engine.addBatch(u"nightly"_qs, {web.url(u"/ok"_qs), web.url(u"/status/404"_qs)}, BatchSettings{});
        QFuture<QList<TaskRecord>> notified = engine.whenNotified(id);
        QTRY_VERIFY_WITH_TIMEOUT(notified.isFinished(), 30'000);
        const QList<TaskRecord> tasks = notified.result();
        QCOMPARE(tasks.size(), 2);
        for (const TaskRecord &task : tasks) {
            QVERIFY2(task.state == TaskState::Succeeded, qPrintable(task.error));
            QCOMPARE(task.batch, NotificationBatchId);
        }
        QCOMPARE(tasks[1].attempts, 2); // the webhook's 503 was retried
        QCOMPARE(SmtpFixture::delivered(u"starttls_auth"_qs).size(), before + 1);
        const QByteArray mail = SmtpFixture::lastDelivered(u"starttls_auth"_qs).replace("\r\n ", " "); // unfolded
        QVERIFY(mail.contains("Subject: Loopscope: batch \"nightly\" finished: 1 succeeded, 1 failed, 0 cancelled"));
        QVERIFY(mail.contains("/status/404 (HTTP 404"));
        const QJsonObject hook = QJsonDocument::fromJson(web.lastRequestBody()).object();
        QCOMPARE(hook[u"batch"].toString(), u"nightly"_qs);
        QCOMPARE(hook[u"succeeded"].toInt(), 1);
        QCOMPARE(hook[u"failed"].toInt(), 1);
        QCOMPARE(hook[u"cancelled"].toInt(), 0);
        QVERIFY(hook.contains(u"elapsed_ms"_qs));
        QCOMPARE(hook[u"failed_urls"].toArray().size(), 1);
        // Only batches with failures, when asked: a clean batch sends nothing.
        settings.when = NotifyWhen::BatchesWithFailures;
        engine.setNotifications(settings);
        const BatchId clean = engine.addBatch(u"clean"_qs, {web.url(u"/ok"_qs)}, BatchSettings{});
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
        settings.smtp = server(u"starttls_auth"_qs, u"smtp"_qs, u"loopscope"_qs);
        settings.from = {{}, u"loopscope@example.org"_qs};
        settings.recipients = {{{}, u"ops@example.org"_qs}};
        settings.webhook = web.url(u"/post-echo"_qs);
        const qsizetype before = SmtpFixture::delivered(u"starttls_auth"_qs).size();
        QFuture<QString> sent = engine.sendTestNotification(settings);
        QTRY_VERIFY_WITH_TIMEOUT(sent.isFinished(), 30'000);
        QCOMPARE(sent.result(), u"E-mail sent. Webhook answered HTTP 200."_qs);
        QCOMPARE(SmtpFixture::delivered(u"starttls_auth"_qs).size(), before + 1);
        QCOMPARE(QJsonDocument::fromJson(web.lastRequestBody()).object()[u"batch"].toString(), u"Test from Loopscope"_qs);

        settings.smtp.password = u"wrong"_qs;
        settings.webhook = web.url(u"/status/404"_qs);
        QFuture<QString> refused = engine.sendTestNotification(settings);
        QTRY_VERIFY_WITH_TIMEOUT(refused.isFinished(), 30'000);
        QVERIFY2(refused.result().contains(u"E-mail failed: AUTH PLAIN refused: 535 5.7.8 Authentication credentials invalid"_qs),
                 qPrintable(refused.result()));
        QVERIFY2(refused.result().contains(u"Webhook failed: "_qs), qPrintable(refused.result()));
    }

    void notificationTasksCanBeCancelled()
    {
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        TestHttpServer web;
        Engine engine;
        NotificationSettings settings;
        settings.smtp.url = QUrl(QStringLiteral("smtp://127.0.0.1:%1").arg(silent.serverPort()));
        settings.from = {{}, u"loopscope@example.org"_qs};
        settings.recipients = {{{}, u"ops@example.org"_qs}};
        engine.setNotifications(settings);
        const BatchId id = engine.addBatch(u"quiet"_qs, {web.url(u"/ok"_qs)}, BatchSettings{});
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
