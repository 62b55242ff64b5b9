#include "SmtpReply.h"

#include "Format.h"

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
} // namespace

Result<std::optional<SmtpReply>> SmtpReplyReader::read(QByteArrayView arrived)
{
    m_buffer += arrived;
    for (;;) {
        const qsizetype end = m_buffer.indexOf("\r\n");
        if (end < 0) {
            if (m_buffer.size() > MaxLineBytes)
                return Failure{ErrorKind::Network, u"the server sent a reply line longer than %1 bytes: %2"_s.arg(formatNumber(MaxLineBytes),
                                                                                                               quoted(QString::fromUtf8(m_buffer)))};
            return std::optional<SmtpReply>{};
        }
        const QByteArrayView line(m_buffer.constData(), end);
        // "NNN", "NNN text" or "NNN-text", the first digit 2 to 5 (RFC 5321, 4.2).
        const bool isReply = line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && isDigit(line[1]) && isDigit(line[2])
                             && (line.size() == 3 || line[3] == ' ' || line[3] == '-');
        if (!isReply || (!m_reply.lines.isEmpty() && line.first(3).toInt() != m_reply.code)) {
            const QString shown = quoted(QString::fromUtf8(line), 200);
            clear();
            return Failure{ErrorKind::Network, u"the server sent something that is not SMTP: %1"_s.arg(shown)};
        }
        m_reply.code = line.first(3).toInt();
        m_reply.lines << escaped(QString::fromUtf8(line.size() > 4 ? line.sliced(4) : QByteArrayView()).trimmed(), 512);
        const bool last = line.size() == 3 || line[3] == ' ';
        m_buffer.remove(0, end + 2);
        if (last) {
            std::optional<SmtpReply> reply = std::exchange(m_reply, {});
            return reply;
        }
        if (m_reply.lines.size() >= MaxLines) {
            clear();
            return Failure{ErrorKind::Network, u"the server sent a reply of more than %1 lines"_s.arg(MaxLines)};
        }
    }
}

void SmtpReplyReader::clear()
{
    m_buffer.clear();
    m_reply = {};
}

} // namespace loopscope
