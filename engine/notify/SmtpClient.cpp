#include "SmtpClient.h"

#include "CancelToken.h"
#include "SmtpReply.h"
#include "Wakeup.h"

#include <QLoggingCategory>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslSocket>
#include <QTimer>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSmtp, "loopscope.smtp", QtInfoMsg)

namespace loopscope {

Result<> SmtpServer::checkUrl() const
{
    if (!url.isValid() || url.host().isEmpty())
        return Failure{ErrorKind::Invalid, u"SMTP server \"%1\" is not a valid URL with a host"_s.arg(url.toString())};
    if (url.scheme() != u"smtp" && url.scheme() != u"smtps")
        return Failure{ErrorKind::Invalid, u"SMTP server URL must start with smtp:// or smtps://, not \"%1://\""_s.arg(url.scheme())};
    return {};
}

namespace {
// A 4xx asks to try again later; a 5xx, or a reply out of turn, will say the same next time.
Failure refusal(const QString &host, const QString &step, const SmtpReply &reply)
{
    if (reply.code >= 400 && reply.code < 500)
        return {ErrorKind::Temporary, u"mail server %1 refused %2 for now: %3"_s.arg(host, step, reply.text())};
    return {ErrorKind::Refused, u"mail server %1 refused %2: %3"_s.arg(host, step, reply.text())};
}

// One SMTP conversation. Every wait listens to the socket, the step timer and the cancel
// token at once, so a silent server, a dropped connection and a cancellation all end it.
class Conversation {
public:
    Conversation(const SmtpServer &server, CancelToken &token)
        : m_server(server)
        , m_token(token)
    {
        m_timer.setSingleShot(true);
        QSslConfiguration tls = m_socket.sslConfiguration();
        tls.addCaCertificates(server.extraCaCertificates);
        m_socket.setSslConfiguration(tls);
        m_socket.setPeerVerifyName(server.url.host());
        const auto wake = [this] { m_wakeup.fire(); };
        QObject::connect(&m_socket, &QIODevice::readyRead, &m_wakeup, wake);
        QObject::connect(&m_socket, &QAbstractSocket::connected, &m_wakeup, wake);
        QObject::connect(&m_socket, &QSslSocket::encrypted, &m_wakeup, wake);
        QObject::connect(&m_socket, &QAbstractSocket::disconnected, &m_wakeup, wake);
        QObject::connect(&m_socket, &QAbstractSocket::errorOccurred, &m_wakeup, wake);
        // Emitted just before the handshake fails with a bare "handshake failed" error: the
        // certificate problems are what the user can act on.
        QObject::connect(&m_socket, &QSslSocket::sslErrors, &m_wakeup, [this](const QList<QSslError> &errors) {
            for (const QSslError &error : errors) {
                if (!m_certificateProblems.contains(error.errorString()))
                    m_certificateProblems << error.errorString();
            }
        });
        QObject::connect(&m_timer, &QTimer::timeout, &m_wakeup, wake);
        QObject::connect(&token, &CancelToken::cancelled, &m_wakeup, wake);
    }

    // Any failure so far: its kind, and the message the user will read.
    Failure failure;

    QCoro::Task<bool> connect()
    {
        const bool implicitTls = m_server.url.scheme() == u"smtps";
        const quint16 port = quint16(m_server.url.port(implicitTls ? 465 : 25));
        if (implicitTls)
            m_socket.connectToHostEncrypted(m_server.url.host(), port);
        else
            m_socket.connectToHost(m_server.url.host(), port);
        const bool ready = co_await waitFor([&] {
            return implicitTls ? m_socket.isEncrypted() : m_socket.state() == QAbstractSocket::ConnectedState;
        }, u"connecting to %1:%2"_s.arg(m_server.url.host()).arg(port));
        // Not "ready && co_await …": GCC 12 runs a co_await on the right of && even when the
        // plain bool on its left is false, which read a greeting from a socket that failed.
        if (!ready)
            co_return false;
        co_return co_await expect(220, u"greeting"_s);
    }

    QCoro::Task<bool> startTls()
    {
        if (!co_await command("STARTTLS", 220))
            co_return false;
        m_replies.clear(); // nothing said before the handshake may be trusted after it
        m_socket.startClientEncryption();
        co_return co_await waitFor([&] { return m_socket.isEncrypted(); }, u"the TLS handshake"_s);
    }

    // Sends a command and reads its reply; false (with failure set) unless the code is expected.
    QCoro::Task<bool> command(const QByteArray &line, int expected, const QString &shownAs = {})
    {
        m_socket.write(line + "\r\n");
        // Named, not a temporary of a ?: inside co_await: GCC 12 destroys such a temporary twice.
        const QString step = shownAs.isEmpty() ? QString::fromLatin1(line) : shownAs;
        co_return co_await expect(expected, step);
    }

    QCoro::Task<bool> expect(int expected, const QString &step)
    {
        const std::optional<SmtpReply> reply = co_await readReply(step);
        if (!reply)
            co_return false;
        m_last = *reply;
        if (reply->code != expected && !(expected == 250 && reply->code == 251)) {
            failure = refusal(m_server.url.host(), step, *reply);
            co_return false;
        }
        co_return true;
    }

    const SmtpReply &lastReply() const { return m_last; }
    bool isEncrypted() const { return m_socket.isEncrypted(); }
    void quit()
    {
        m_socket.write("QUIT\r\n");
        m_socket.disconnectFromHost();
    }

private:
    template<typename Done>
    QCoro::Task<bool> waitFor(Done done, const QString &step)
    {
        m_timer.start(m_server.stepTimeoutMs);
        while (!done()) {
            if (m_token.isCancelled()) {
                failure = {ErrorKind::Cancelled, cancelReasonText(m_token.reason())};
                m_socket.abort();
                co_return false;
            }
            if (!m_timer.isActive()) {
                failure = {ErrorKind::Timeout,
                           u"timed out after %1 s waiting for %2"_s.arg(m_server.stepTimeoutMs / 1000.0).arg(step)};
                m_socket.abort();
                co_return false;
            }
            if (m_socket.error() != QAbstractSocket::UnknownSocketError || m_socket.state() == QAbstractSocket::UnconnectedState) {
                failure = socketFailure(step);
                co_return false;
            }
            co_await m_wakeup.next();
        }
        m_timer.stop();
        co_return true;
    }

    QCoro::Task<std::optional<SmtpReply>> readReply(const QString &step)
    {
        std::optional<SmtpReply> reply;
        const bool received = co_await waitFor([&] {
            Result<std::optional<SmtpReply>> read = m_replies.read(m_socket.readAll());
            if (!read) {
                failure = {read.kind(), step + u": "_s + read.error()};
                m_socket.abort();
                return true;
            }
            reply = std::move(read).value();
            return reply.has_value();
        }, u"the reply to %1"_s.arg(step));
        if (!received || !reply)
            co_return std::nullopt;
        qCDebug(lcSmtp) << "S:" << reply->text();
        co_return reply;
    }

    // Why the socket ended the conversation, in the kinds an HTTP fetch uses for the same faults.
    Failure socketFailure(const QString &step) const
    {
        switch (m_socket.error()) {
        case QAbstractSocket::ConnectionRefusedError:
            return {ErrorKind::ConnectionRefused, u"%1 failed: %2"_s.arg(step, m_socket.errorString())};
        case QAbstractSocket::HostNotFoundError:
            return {ErrorKind::HostNotFound, u"%1 failed: %2"_s.arg(step, m_socket.errorString())};
        case QAbstractSocket::RemoteHostClosedError:
        case QAbstractSocket::UnknownSocketError: // unconnected without an error: closed in an orderly way
            return {ErrorKind::ConnectionReset, u"%1 failed: the server closed the connection"_s.arg(step)};
        case QAbstractSocket::SslHandshakeFailedError:
        case QAbstractSocket::SslInternalError:
        case QAbstractSocket::SslInvalidUserDataError: {
            const QString problem = m_certificateProblems.isEmpty() ? m_socket.errorString() : m_certificateProblems.join(u"; ");
            return {ErrorKind::Tls, u"TLS with %1 failed: %2"_s.arg(m_server.url.host(), problem)};
        }
        default:
            return {ErrorKind::Network, u"%1 failed: %2"_s.arg(step, m_socket.errorString())};
        }
    }

    const SmtpServer &m_server;
    CancelToken &m_token;
    QSslSocket m_socket;
    QTimer m_timer;
    Wakeup m_wakeup;
    SmtpReplyReader m_replies;
    SmtpReply m_last;
    QStringList m_certificateProblems; // as QSslError words them, each once
};

bool offers(const SmtpReply &ehlo, const QString &keyword)
{
    for (const QString &line : ehlo.lines) {
        if (line.section(u' ', 0, 0).compare(keyword, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool offersAuth(const SmtpReply &ehlo, const QString &mechanism)
{
    for (const QString &line : ehlo.lines) {
        const QStringList words = line.split(u' ', Qt::SkipEmptyParts);
        if (!words.isEmpty() && words.first().compare(u"AUTH", Qt::CaseInsensitive) == 0
            && words.contains(mechanism, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

QByteArray angle(const QString &address)
{
    return '<' + address.toUtf8() + '>';
}
} // namespace

QCoro::Task<Result<>> sendMail(SmtpServer server, MailMessage message, CancelToken &token)
{
    if (Result<> usable = server.checkUrl(); !usable)
        co_return usable.failure();
    if (message.to.isEmpty())
        co_return Failure{ErrorKind::Invalid, u"no recipients"_s};
    Conversation smtp(server, token);

    // EHLO, falling back to HELO (which offers no extensions) when the server refuses it.
    const auto greet = [&]() -> QCoro::Task<bool> {
        if (co_await smtp.command("EHLO loopscope", 250))
            co_return true;
        if (smtp.lastReply().code < 500)
            co_return false;
        co_return co_await smtp.command("HELO loopscope", 250);
    };

    if (!co_await smtp.connect() || !co_await greet())
        co_return smtp.failure;
    if (!smtp.isEncrypted() && offers(smtp.lastReply(), u"STARTTLS"_s)) {
        if (!co_await smtp.startTls() || !co_await greet())
            co_return smtp.failure;
    }
    if (!server.user().isEmpty()) {
        if (!smtp.isEncrypted())
            co_return Failure{ErrorKind::Refused,
                              u"refusing to send the password without TLS: %1 offers no STARTTLS"_s.arg(server.url.host())};
        const SmtpReply ehlo = smtp.lastReply();
        const QByteArray user = server.user().toUtf8();
        const QByteArray password = server.password.toUtf8();
        bool authenticated = false;
        if (offersAuth(ehlo, u"PLAIN"_s)) {
            authenticated = co_await smtp.command("AUTH PLAIN " + QByteArray('\0' + user + '\0' + password).toBase64(), 235,
                                                  u"AUTH PLAIN"_s);
        } else if (offersAuth(ehlo, u"LOGIN"_s)) {
            authenticated = co_await smtp.command("AUTH LOGIN", 334) && co_await smtp.command(user.toBase64(), 334, u"AUTH LOGIN user"_s)
                         && co_await smtp.command(password.toBase64(), 235, u"AUTH LOGIN"_s);
        } else {
            co_return Failure{ErrorKind::Refused, u"%1 offers neither AUTH PLAIN nor AUTH LOGIN"_s.arg(server.url.host())};
        }
        if (!authenticated)
            co_return smtp.failure;
    }
    if (!co_await smtp.command("MAIL FROM:" + angle(message.from.address), 250))
        co_return smtp.failure;
    for (const MailAddress &to : std::as_const(message.to)) {
        if (!co_await smtp.command("RCPT TO:" + angle(to.address), 250))
            co_return smtp.failure;
    }
    if (!co_await smtp.command("DATA", 354))
        co_return smtp.failure;
    const QByteArray content = dotStuff(composeMessage(message)) + '.';
    if (!co_await smtp.command(content, 250, u"the message"_s))
        co_return smtp.failure;
    smtp.quit();
    co_return Result<>();
}

} // namespace loopscope
