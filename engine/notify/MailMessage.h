#pragma once

#include "Result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

namespace loopscope {

struct MailAddress {
    QString name;    // display name; may be empty or non-ASCII
    QString address; // addr-spec, e.g. "a@b.c"
};

// Parses "Name <a@b.c>", "\"Last, First\" <a@b.c>", "<a@b.c>" or "a@b.c". Anything that is not
// exactly one plain ASCII address (control characters, no '@', white space in the addr-spec,
// several addresses, an addr-spec over 254 characters) gives an Invalid failure that says why.
Result<MailAddress> parseMailAddress(const QString &text);

struct MailMessage {
    MailAddress from;
    QList<MailAddress> to;
    QString subject;
    QString body;            // plain text, any line endings, any Unicode
    QDateTime date;          // invalid (the default) means now
    QString messageIdDomain; // the part after '@' in Message-ID; empty means the from address's domain
};

// The complete RFC 5322 message as it goes after DATA, before dot-stuffing. CRLF line ends
// only; headers Date, Message-ID, From, To (left out when there are no recipients), Subject and
// MIME ones; the body 7bit when it is ASCII with short lines, else quoted-printable. Control
// characters in header values become spaces, so nothing can be injected; non-ASCII or odd
// header text goes as RFC 2047 encoded-words; header lines are folded to at most 78 columns
// (only an address longer than that can exceed it).
QByteArray composeMessage(const MailMessage &message);

// Dot-stuffing for DATA (RFC 5321 4.5.2): every line starting with '.' gets another '.'.
// Bare CR or LF count as line ends too and come out as CRLF, and non-empty output always ends
// with CRLF. The terminating ".\r\n" is not added.
QByteArray dotStuff(const QByteArray &crlfText);

} // namespace loopscope
