// A mail server's replies, in whatever pieces the network cuts them into, read as SmtpClient
// reads them: what arrived, then one reply at a time until none is whole.
#include "FuzzChecks.h"

#include "SmtpReply.h"

#include <algorithm>

using namespace loopscope;

namespace {
// Piece lengths of 1 to 64 bytes, drawn from a seed: an input is cut the same way each run,
// and a change of its first byte cuts it another way.
class Cuts {
public:
    explicit Cuts(quint8 seed)
        : m_state(seed)
    {
    }
    qsizetype next()
    {
        m_state = m_state * 1103515245u + 12345u;
        return 1 + qsizetype((m_state >> 16) % 64);
    }

private:
    quint32 m_state;
};

// Replies are logged, and the error of a refused notification quotes its reply.
void checkReply(const SmtpReply &reply)
{
    fuzz::require(reply.code >= 200 && reply.code <= 599, "a reply's code is 2xx to 5xx");
    fuzz::require(!reply.lines.isEmpty() && reply.lines.size() <= SmtpReplyReader::MaxLines, "a reply has 1 to MaxLines lines");
    for (const QString &line : reply.lines)
        fuzz::require(fuzz::showable(line), "a reply line holds no character that drives a terminal", line);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    Cuts cuts(data[0]);
    const QByteArrayView arriving(data + 1, qsizetype(size - 1));
    SmtpReplyReader reader;
    for (qsizetype at = 0; at < arriving.size();) {
        const QByteArrayView piece = arriving.sliced(at, std::min(cuts.next(), arriving.size() - at));
        at += piece.size();
        for (Result<std::optional<SmtpReply>> read = reader.read(piece);; read = reader.read()) {
            if (!read) {
                // The client gives up on the server here.
                fuzz::require(fuzz::showable(read.error()), "an error quotes the server's bytes escaped", read.error());
                return 0;
            }
            if (!read.value())
                break;
            checkReply(*read.value());
        }
    }
    return 0;
}
