#pragma once

#include "Result.h"

#include <QByteArray>
#include <QByteArrayView>

#include <functional>
#include <memory>

struct z_stream_s;

namespace loopscope {

// Undoes a response's gzip or deflate Content-Encoding as its bytes arrive; a body in any other
// encoding passes through as it came. The transport decodes these itself instead of letting Qt
// do it, because Qt drops the Content-Length of a body it decodes: only the bytes as they came
// can be held against it to tell a whole body from one cut short.
class BodyDecoder {
public:
    // Takes each decoded piece; returns false to stop decoding.
    using Sink = std::function<bool(QByteArrayView decoded)>;

    explicit BodyDecoder(const QByteArray &contentEncoding);
    ~BodyDecoder();
    Q_DISABLE_COPY_MOVE(BodyDecoder)

    bool isDecoding() const { return bool(m_stream); }
    // Decodes the next bytes of the body and hands the result to sink in pieces of bounded
    // size, so that a body that expands a thousand-fold can be stopped as it grows. Fails when
    // the bytes are not in the format the response named.
    Result<> decode(QByteArrayView encoded, const Sink &sink);
    // Whether the compressed stream reached its end; a body passed through always has.
    bool isComplete() const { return !m_stream || m_ended; }

private:
    std::unique_ptr<z_stream_s> m_stream; // null: passing through
    QByteArray m_piece; // where each decoded piece is made, reused
    bool m_deflate = false; // "deflate": zlib format, or raw deflate from some servers
    bool m_started = false; // some output was made or some input taken without error
    bool m_ended = false;
};

} // namespace loopscope
