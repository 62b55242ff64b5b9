#pragma once

#include "MailMessage.h"

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
    int stepTimeoutMs = 30'000;                  // for each command's reply, and for connecting

    QString user() const { return url.userName(); }
    // Why the URL cannot be used, or an empty string.
    QString problem() const;
};

// One message to its recipients over SMTP, as a coroutine on the calling thread's loop:
// EHLO (HELO when refused), STARTTLS when offered and required before any credentials,
// AUTH PLAIN or LOGIN, every recipient, DATA dot-stuffed. Returns an empty string on success,
// otherwise what went wrong, quoting the server's reply.
QCoro::Task<QString> sendMail(SmtpServer server, MailMessage message, CancelToken &token);

} // namespace loopscope
