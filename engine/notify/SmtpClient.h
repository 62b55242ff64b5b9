#pragma once

#include "MailMessage.h"
#include "Result.h"

#include <QList>
#include <QSslCertificate>
#include <QString>
#include <QUrl>
#include <QCoroTask>

namespace loopscope {

class CancelToken;

struct SmtpServer {
    QUrl url;         // smtp://[user@]host[:port] (STARTTLS when offered) or smtps://… (TLS from the start)
    QString password; // sent only over TLS
    QList<QSslCertificate> extraCaCertificates; // trusted besides the system's
    // For each command's reply, and for connecting; a notification task waits no longer than its
    // own timeout (60 s, 30 s for a test send).
    int stepTimeoutMs = 60'000;

    QString user() const { return url.userName(); }
    // Whether the URL can be used: an Invalid failure says why not.
    Result<> checkUrl() const;
};

// One message to its recipients over SMTP, as a coroutine on the calling thread's loop:
// EHLO (HELO when refused), STARTTLS when offered and required before any credentials,
// AUTH PLAIN or LOGIN, every recipient, DATA dot-stuffed. A failure quotes the server's reply
// or names the socket's or the certificate's problem, and its kind says whether another attempt
// may do better: Temporary (a 4xx reply), Timeout and the connection kinds as for HTTP may;
// Refused (a 5xx reply), Tls and Invalid will not.
QCoro::Task<Result<>> sendMail(SmtpServer server, MailMessage message, CancelToken &token);

} // namespace loopscope
