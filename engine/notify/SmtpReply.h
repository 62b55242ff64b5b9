#pragma once

#include "Result.h"

#include <QByteArray>
#include <QStringList>

#include <optional>

namespace loopscope {

// A mail server's answer to one command: "250-first line", …, "250 last line".
struct SmtpReply {
    int code = 0;
    QStringList lines; // without the code; invisible characters written as escapes

    QString text() const { return QString::number(code) + u' ' + lines.join(u' '); }
};

// Replies out of the bytes a server sends, in whatever pieces they arrive. What it keeps is
// bounded: a line longer than a server may send, or a reply of too many lines, is an error, as
// is anything that is not SMTP; the error quotes what was received.
class SmtpReplyReader {
public:
    // RFC 5321 allows 512 bytes; some servers send longer lines of text.
    static constexpr qsizetype MaxLineBytes = 4096;
    static constexpr int MaxLines = 100;

    // Takes what arrived; gives the next whole reply once its last line is in, std::nullopt
    // while it is not, or why the bytes are no reply. Call again for a reply already received.
    Result<std::optional<SmtpReply>> read(QByteArrayView arrived = {});
    // Forgets what arrived: nothing said before a TLS handshake may be trusted after it.
    void clear();

private:
    QByteArray m_buffer;
    SmtpReply m_reply; // the lines of a reply whose last line has not arrived yet
};

} // namespace loopscope
