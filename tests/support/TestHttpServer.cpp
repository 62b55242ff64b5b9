#include "TestHttpServer.h"

#include "WorkerLoop.h"

#include <QHash>
#include <QMutex>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QUrlQuery>

#include <atomic>

#include <sys/socket.h>
#include <zlib.h>

using namespace Qt::StringLiterals;

// The server's thread deletes the listener and every connection as its loop ends, and says so
// through an atomic that the test thread reads once it has joined: the join itself is ordered
// inside Qt, where sanitizers cannot see it.
class ServerThread : public QThread {
public:
    QObject *home = nullptr; // lives on the thread; parent of the listener and every connection
    std::atomic<bool> cleared = false;

protected:
    void run() override
    {
        exec();
        delete home;
        cleared.store(true, std::memory_order_release);
    }
};

class TestHttpServerPrivate {
public:
    ServerThread thread;
    quint16 port = 0;
    std::atomic<int> inFlight{0};
    std::atomic<int> peakInFlight{0};
    std::atomic<int> requestCount{0};
    mutable QMutex mutex; // guards paths and lastBody, which the test thread reads
    QStringList paths;
    QByteArray lastBody;
    QHash<QByteArray, int> failures; // /fail-then-ok and /retry-after hits per key; server thread only

    void begin(const QByteArray &target)
    {
        // One lock with resetCounters(); the path goes first, so a test that saw the count sees the path.
        QMutexLocker lock(&mutex);
        paths.append(QString::fromLatin1(target));
        ++requestCount;
        const int now = ++inFlight;
        int peak = peakInFlight.load();
        while (now > peak && !peakInFlight.compare_exchange_weak(peak, now)) {
        }
    }
};

namespace {

// MiB megabytes of zeros, compressed in the gzip (windowBits 31) or zlib (15) format, a
// mebibyte at a time so that the server never holds the expanded body.
QByteArray compressedZeros(int mebibytes, int windowBits)
{
    const QByteArray zeros(1024 * 1024, '\0');
    QByteArray out;
    z_stream stream{};
    deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, windowBits, 9, Z_DEFAULT_STRATEGY);
    for (int i = 0; i <= mebibytes; ++i) {
        const bool last = i == mebibytes;
        stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(zeros.constData()));
        stream.avail_in = last ? 0 : uInt(zeros.size());
        do {
            char chunk[16 * 1024];
            stream.next_out = reinterpret_cast<Bytef *>(chunk);
            stream.avail_out = sizeof chunk;
            deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH);
            out.append(chunk, qsizetype(sizeof chunk - stream.avail_out));
        } while (stream.avail_out == 0);
    }
    deflateEnd(&stream);
    return out;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

// One accepted socket, from the first byte to the close. Lives on the server thread.
class Connection : public QObject {
public:
    Connection(QTcpSocket *socket, TestHttpServerPrivate *d)
        : QObject(d->thread.home), m_socket(socket), m_d(d)
    {
        socket->setParent(this);
        connect(socket, &QTcpSocket::readyRead, this, &Connection::read);
        connect(socket, &QTcpSocket::bytesWritten, this, [this] {
            if (m_closing && m_socket->bytesToWrite() == 0)
                done();
        });
        connect(socket, &QTcpSocket::disconnected, this, [this] {
            end();
            deleteLater();
        });
    }

private:
    void read()
    {
        const QByteArray data = m_socket->readAll();
        if (m_answering)
            return; // no keep-alive, so anything after the request is ignored
        m_buffer += data;
        if (m_bodyStart < 0 && !parseHead())
            return;
        if (m_buffer.size() - m_bodyStart < m_bodyLength)
            return;
        m_answering = true;
        if (m_hasBody) {
            QMutexLocker lock(&m_d->mutex);
            m_d->lastBody = m_buffer.mid(m_bodyStart, m_bodyLength);
        }
        route(m_buffer.mid(m_bodyStart, m_bodyLength));
    }

    // Returns whether the head is complete; a malformed one is answered with 400.
    bool parseHead()
    {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        m_bodyStart = end + 4;
        const QList<QByteArray> lines = m_buffer.left(end).split('\n');
        const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
        m_target = requestLine.value(1);
        m_head = requestLine.first() == "HEAD";
        m_d->begin(m_target);
        m_counted = true;
        bool valid = requestLine.size() == 3 && m_target.startsWith('/');
        for (const QByteArray &line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == "content-length") {
                m_bodyLength = line.mid(colon + 1).trimmed().toLongLong(&m_hasBody);
                valid = valid && m_hasBody && m_bodyLength >= 0;
            }
        }
        if (!valid) {
            m_answering = true;
            respond(400, "bad request\n");
            return false;
        }
        return true;
    }

    void route(const QByteArray &body)
    {
        const qsizetype question = m_target.indexOf('?');
        const QByteArray query = question < 0 ? QByteArray() : m_target.mid(question + 1);
        const QList<QByteArray> parts = (question < 0 ? m_target : m_target.left(question)).split('/'); // "/a/b" -> "", "a", "b"
        const QByteArray name = parts.value(1);
        const qsizetype args = parts.size() - 2;
        // Argument i as a non-negative number, or -1.
        const auto number = [&parts](int i) {
            bool ok = false;
            const int value = parts.value(i + 2).toInt(&ok);
            return ok && value >= 0 ? value : -1;
        };

        if (name == "ok" && args == 0)
            return respond(200, "ok");
        if (name == "delay" && args == 1 && number(0) >= 0) {
            QTimer::singleShot(number(0), this, [this] {
                if (!m_ended) // the client may have left; our deletion is deferred
                    respond(200, "ok");
            });
            return;
        }
        if (name == "status" && args == 1 && number(0) >= 200 && number(0) <= 599)
            return respond(number(0), "status " + parts[2] + '\n');
        if (name == "bytes" && args == 1 && number(0) >= 0)
            return respond(200, QByteArray(number(0), 'x'));
        if (name == "hang" && args == 0)
            return;
        if (name == "close" && args == 0)
            return done();
        if (name == "reset" && args == 0)
            return reset();
        if (name == "reset-after" && args == 1 && number(0) >= 0) {
            writeHead(200, 2 * qint64(number(0)) + 1);
            m_socket->write(QByteArray(number(0), 'x'));
            m_resetWhenWritten = true;
            return finish();
        }
        if (name == "unsized" && args == 1 && number(0) >= 0) {
            writeHead(200, -1);
            m_socket->write(QByteArray(number(0), 'x'));
            return finish();
        }
        if (name == "gzip-cut" && args == 1 && number(0) >= 0) {
            const QByteArray whole = TestHttpServer::gzipped(TestHttpServer::randomBytes(1, 0, number(0)));
            writeHead(200, whole.size(), "Content-Encoding: gzip\r\n");
            m_socket->write(whole.left(whole.size() / 2));
            return finish();
        }
        if (name == "short" && args == 2 && number(0) >= 0 && number(1) >= 0) {
            writeHead(200, number(0));
            m_socket->write(QByteArray(number(1), 'x'));
            return finish();
        }
        if (name == "unsized-reset" && args == 1 && number(0) >= 0) {
            writeHead(200, -1);
            m_socket->write(QByteArray(number(0), 'x'));
            m_resetWhenWritten = true;
            return finish();
        }
        if (name == "chunked-cut" && args == 1 && number(0) > 0) {
            writeHead(200, -1, "Transfer-Encoding: chunked\r\n");
            m_socket->write(QByteArray::number(number(0), 16) + "\r\n" + QByteArray(number(0) / 2, 'x'));
            return finish();
        }
        if (name == "chunked-bad" && args == 1 && number(0) > 0) {
            writeHead(200, -1, "Transfer-Encoding: chunked\r\n");
            m_socket->write(QByteArray::number(number(0), 16) + "\r\n" + QByteArray(number(0), 'x') + "\r\nnot a size\r\n");
            return finish();
        }
        if (name == "malformed-status" && args == 0) {
            m_socket->write("HTTP/1.1 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
            return finish();
        }
        if ((name == "gzip-bomb" || name == "deflate-bomb") && args == 1 && number(0) >= 0) {
            const bool gzip = name == "gzip-bomb";
            return respond(200, compressedZeros(number(0), gzip ? 31 : 15),
                           gzip ? "Content-Encoding: gzip\r\n" : "Content-Encoding: deflate\r\n");
        }
        if (name == "retry-after" && args == 2) {
            if (++m_d->failures["retry-after/" + parts[2]] > 1)
                return respond(200, "ok");
            const int status = QUrlQuery(QString::fromLatin1(query)).queryItemValue(u"status"_s) == u"429" ? 429 : 503;
            return respond(status, "status " + QByteArray::number(status) + '\n',
                           "Retry-After: " + QByteArray::fromPercentEncoding(parts[3]) + "\r\n");
        }
        if (name == "redirect" && args == 1 && number(0) > 0)
            return redirect("/redirect/" + QByteArray::number(number(0) - 1));
        if (name == "redirect" && args == 1 && number(0) == 0)
            return respond(200, "ok");
        if (name == "redirect-loop" && args == 0)
            return redirect("/redirect-loop");
        if (name == "redirect-to" && args == 0) {
            const QUrlQuery items(QString::fromLatin1(query));
            const QString location = items.queryItemValue(u"url"_s, QUrl::FullyDecoded);
            return location.isEmpty() ? respond(400, "missing url\n") : redirect(location.toUtf8());
        }
        if (name == "fail-then-ok" && args == 2 && number(1) >= 0) {
            const bool fail = ++m_d->failures[parts[2]] <= number(1);
            return fail ? respond(503, "status 503\n") : respond(200, "ok");
        }
        if (name == "drip" && args == 2 && number(0) >= 0 && number(1) >= 0)
            return drip(number(0), number(1));
        if (name == "post-echo" && args == 0)
            return respond(200, body);
        if (name == "random" && args >= 2 && number(0) >= 0 && number(1) >= 0)
            return stream(number(0), quint64(number(1)));
        if (name == "named" && args == 0) {
            const QUrlQuery items(QString::fromLatin1(query));
            QByteArray disposition = items.queryItemValue(u"cd"_s, QUrl::FullyDecoded).toUtf8();
            disposition.replace('\r', "").replace('\n', "");
            bool ok = false;
            const int length = items.queryItemValue(u"n"_s).toInt(&ok);
            if (!ok || length < 0)
                return respond(400, "missing n\n");
            return stream(length, 1, "Content-Disposition: " + disposition + "\r\n");
        }
        respond(404, "not found\n");
    }

    void writeHead(int status, qint64 length, const QByteArray &extraHeaders = {})
    {
        QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
            + "\r\nConnection: close\r\nContent-Type: text/plain\r\n" + extraHeaders;
        if (status != 204 && status != 304 && length >= 0) // these must not carry a length
            head += "Content-Length: " + QByteArray::number(length) + "\r\n";
        head += "\r\n";
        m_socket->write(head);
    }

    void respond(int status, const QByteArray &body, const QByteArray &extraHeaders = {})
    {
        const bool bodyless = m_head || status == 204 || status == 304;
        writeHead(status, body.size(), extraHeaders);
        if (!bodyless)
            m_socket->write(body);
        finish();
    }

    void redirect(const QByteArray &location)
    {
        respond(302, "redirect\n", "Location: " + location + "\r\n");
    }

    void drip(int length, int intervalMs)
    {
        writeHead(200, length);
        if (m_head || length == 0)
            return finish();
        auto *timer = new QTimer(this);
        connect(timer, &QTimer::timeout, this, [this, timer, left = length]() mutable {
            if (m_ended) // the client left
                return;
            m_socket->write("x", 1);
            if (--left == 0) {
                timer->stop();
                finish();
            }
        });
        timer->start(intervalMs);
    }

    // A body of randomBytes(seed, 0, length), written as the socket drains so that a large one
    // never sits whole in memory.
    void stream(qint64 length, quint64 seed, const QByteArray &extraHeaders = {})
    {
        writeHead(200, length, extraHeaders);
        if (m_head || length == 0)
            return finish();
        m_streamSeed = seed;
        m_streamLeft = length;
        connect(m_socket, &QTcpSocket::bytesWritten, this, &Connection::feed);
        feed();
    }

    void feed()
    {
        constexpr qint64 Piece = 256 * 1024;
        while (!m_ended && m_streamLeft > 0 && m_socket->bytesToWrite() < 4 * Piece) {
            const qint64 size = std::min(m_streamLeft, Piece);
            m_socket->write(TestHttpServer::randomBytes(m_streamSeed, m_streamOffset, size));
            m_streamOffset += size;
            m_streamLeft -= size;
            if (m_streamLeft == 0)
                finish();
        }
    }

    // The response is complete once the socket has handed its last byte to the kernel.
    void finish()
    {
        m_closing = true;
        if (m_socket->bytesToWrite() == 0)
            done();
    }

    void done()
    {
        if (m_resetWhenWritten)
            return reset();
        end();
        m_socket->disconnectFromHost();
    }

    // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    void reset()
    {
        const linger abortive{1, 0};
        ::setsockopt(int(m_socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
        end();
        m_socket->abort();
    }

    void end()
    {
        if (m_counted && !m_ended) {
            m_ended = true;
            --m_d->inFlight;
        }
    }

    QTcpSocket *m_socket;
    TestHttpServerPrivate *m_d;
    QByteArray m_buffer;
    QByteArray m_target;
    qsizetype m_bodyStart = -1; // -1 until the head is complete
    qint64 m_bodyLength = 0;
    bool m_hasBody = false;
    bool m_head = false; // HEAD request: headers only
    bool m_counted = false;
    bool m_ended = false;
    bool m_answering = false;
    bool m_closing = false;
    bool m_resetWhenWritten = false;
    quint64 m_streamSeed = 0;
    qint64 m_streamOffset = 0;
    qint64 m_streamLeft = 0;
};

} // namespace

TestHttpServer::TestHttpServer()
    : d(std::make_unique<TestHttpServerPrivate>())
{
    // Listening starts here and the listener moves to the thread before it starts, so that
    // nothing crosses threads but what starting a thread orders.
    QObject *home = new QObject;
    auto *server = new QTcpServer(home);
    server->setListenBacklogSize(1024); // bursts of connections must not be dropped
    if (!server->listen(QHostAddress::LocalHost, 0))
        qFatal("TestHttpServer: cannot listen: %s", qPrintable(server->errorString()));
    d->port = server->serverPort();
    QObject::connect(server, &QTcpServer::newConnection, server, [d = d.get(), server] {
        while (QTcpSocket *socket = server->nextPendingConnection())
            new Connection(socket, d);
    });
    home->moveToThread(&d->thread);
    d->thread.home = home;
    d->thread.setObjectName(u"TestHttpServer"_s);
    loopscope::startLoopThread(d->thread);
}

TestHttpServer::~TestHttpServer()
{
    loopscope::endLoopThread(d->thread);
    d->thread.cleared.load(std::memory_order_acquire);
}

quint16 TestHttpServer::port() const
{
    return d->port;
}

QUrl TestHttpServer::url(const QString &pathAndQuery) const
{
    return QUrl(u"http://127.0.0.1:"_s + QString::number(d->port) + pathAndQuery);
}

int TestHttpServer::inFlight() const
{
    return d->inFlight;
}

int TestHttpServer::peakInFlight() const
{
    return d->peakInFlight;
}

int TestHttpServer::requestCount() const
{
    return d->requestCount;
}

QStringList TestHttpServer::requestedPaths() const
{
    QMutexLocker lock(&d->mutex);
    return d->paths;
}

QByteArray TestHttpServer::lastRequestBody() const
{
    QMutexLocker lock(&d->mutex);
    return d->lastBody;
}

QByteArray TestHttpServer::randomBytes(quint64 seed, qint64 offset, qint64 size)
{
    // splitmix64 of the seed and the index of each 8-byte word: any piece can be made alone.
    const auto word = [seed](quint64 index) {
        quint64 z = seed * 0x9E3779B97F4A7C15ull + index * 0xBF58476D1CE4E5B9ull + 0x94D049BB133111EBull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    QByteArray bytes(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i) {
        const quint64 at = quint64(offset + i);
        bytes[i] = char(word(at / 8) >> (8 * (at % 8)));
    }
    return bytes;
}

QByteArray TestHttpServer::gzipped(const QByteArray &data)
{
    z_stream stream{};
    deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(qsizetype(deflateBound(&stream, uLong(data.size()))), Qt::Uninitialized);
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    stream.avail_in = uInt(data.size());
    stream.next_out = reinterpret_cast<Bytef *>(out.data());
    stream.avail_out = uInt(out.size());
    deflate(&stream, Z_FINISH);
    out.resize(qsizetype(stream.total_out));
    deflateEnd(&stream);
    return out;
}

void TestHttpServer::resetCounters()
{
    QMutexLocker lock(&d->mutex);
    d->paths.clear();
    d->requestCount = 0;
    d->peakInFlight = d->inFlight.load();
}
