#include "BodyDecoder.h"

#include <zlib.h>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
constexpr qsizetype DecodedPieceBytes = 256 * 1024;
// zlib's window bits: the largest window, and +32 to accept a gzip or a zlib header alike.
constexpr int AnyHeader = MAX_WBITS + 32;
constexpr int NoHeader = -MAX_WBITS;
} // namespace

BodyDecoder::BodyDecoder(const QByteArray &contentEncoding)
{
    const QByteArray encoding = contentEncoding.trimmed().toLower();
    if (encoding != "gzip" && encoding != "x-gzip" && encoding != "deflate")
        return;
    m_deflate = encoding == "deflate";
    m_stream = std::make_unique<z_stream_s>();
    if (inflateInit2(m_stream.get(), AnyHeader) != Z_OK)
        qFatal("BodyDecoder: zlib cannot start (out of memory)");
}

BodyDecoder::~BodyDecoder()
{
    if (m_stream)
        inflateEnd(m_stream.get());
}

Result<> BodyDecoder::decode(QByteArrayView encoded, const Sink &sink)
{
    if (!m_stream) {
        if (!encoded.isEmpty())
            sink(encoded);
        return {};
    }
    z_stream_s &stream = *m_stream;
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(encoded.constData()));
    stream.avail_in = uInt(encoded.size());
    // Bytes after the end of the stream are ignored, as browsers do.
    if (m_piece.isEmpty())
        m_piece.resize(DecodedPieceBytes);
    while (!m_ended) {
        stream.next_out = reinterpret_cast<Bytef *>(m_piece.data());
        stream.avail_out = uInt(m_piece.size());
        const int status = inflate(&stream, Z_NO_FLUSH);
        if (status == Z_DATA_ERROR && m_deflate && !m_started) {
            // Not a zlib header: read it again as raw deflate.
            inflateReset2(&stream, NoHeader);
            stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(encoded.constData()));
            stream.avail_in = uInt(encoded.size());
            continue;
        }
        if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
            const QString why = stream.msg ? QString::fromLatin1(stream.msg) : u"zlib error %1"_s.arg(status);
            return Failure{ErrorKind::Decompression, u"could not decompress the response: %1"_s.arg(why)};
        }
        m_started = true;
        m_ended = status == Z_STREAM_END;
        const QByteArrayView piece(m_piece.constData(), m_piece.size() - qsizetype(stream.avail_out));
        if (!piece.isEmpty() && !sink(piece))
            return {};
        // A piece that filled up may leave more output behind even once the input is used up.
        if (stream.avail_in == 0 && stream.avail_out > 0)
            break;
    }
    return {};
}

} // namespace loopscope
