#pragma once
// An HTTP/1.1 server for tests that misbehaves on request. It serves from its own thread, so
// the test thread may block (QSignalSpy::wait, QTRY_COMPARE, waitFor*) while requests proceed.
// Every response carries "Connection: close" and the socket is closed after it. Routes:
//   /ok                      200 "ok"
//   /delay/<ms>              200 "ok" after <ms> milliseconds (timer, never blocks the server)
//   /status/<code>           that status (200..599), body "status <code>\n"
//   /bytes/<n>               200 with n bytes 'x'
//   /hang                    never answers; holds the socket until the client closes it
//   /close                   closes the connection without answering
//   /reset                   resets the connection (RST) without answering
//   /reset-after/<n>         200 announcing 2n+1 bytes, sends n bytes 'x', then resets the connection
//   /unsized/<n>             200 with n bytes 'x' and no Content-Length: the body ends as the connection closes
//   /short/<n>/<m>           200 announcing n bytes, sends m bytes 'x', then closes the connection cleanly
//   /unsized-reset/<n>       200 with n bytes 'x' and no Content-Length, then resets the connection
//   /gzip-cut/<n>            200, Content-Encoding gzip of randomBytes(1, 0, n), announcing the whole compressed
//                            length; sends the first half of it, then closes the connection cleanly
//   /chunked-cut/<n>         200, chunked: announces a chunk of n bytes, sends n/2 of them, then closes cleanly
//   /chunked-bad/<n>         200, chunked: a chunk of n bytes 'x', then a chunk size that is not a number, then closes
//   /malformed-status        "HTTP/1.1 OK" (no status code) with headers and a body, then closes
//   /gzip-bomb/<MiB>         200, Content-Encoding gzip: <MiB> mebibytes of zeros in about a thousandth of that
//   /deflate-bomb/<MiB>      the same as Content-Encoding deflate (zlib format)
//   /redirect/<n>            302 to /redirect/<n-1>; /redirect/0 is 200 "ok"
//   /redirect-loop           302 to itself
//   /redirect-to?url=<enc>   302 to the percent-decoded url
//   /fail-then-ok/<key>/<n>  503 for the first n requests per key (kept across resetCounters()), then 200 "ok"
//   /drip/<n>/<ms>           200 with Content-Length n, then one byte every <ms> milliseconds
//   /retry-after/<key>/<v>   the first request per key (kept across resetCounters()): 503, or 429 with
//                            ?status=429, with "Retry-After: <v>", v percent-decoded (so it may be an HTTP
//                            date); later ones 200 "ok"
//   /post-echo               200 echoing the request body
//   /random/<n>/<seed>[/…]   200 with n bytes of randomBytes(seed, 0, n), streamed as the client takes them;
//                            further path segments are ignored, so that the URL can end in any name
//   /named?cd=<enc>&n=<n>    200 with "Content-Disposition: <cd percent-decoded>" (CR and LF dropped) and
//                            n bytes of randomBytes(1, 0, n)
//   anything else            404
// Requests may carry a body with Content-Length (chunked request bodies are not supported).
// Mind the client when counting: QNetworkAccessManager resends a request whose connection closed
// unanswered (its GET of /close or /reset arrives twice), and Qt 6.4 sometimes sends a followed
// redirect twice.
#include <QByteArray>
#include <QStringList>
#include <QUrl>

#include <memory>

using namespace Qt::StringLiterals;

class TestHttpServerPrivate;

class TestHttpServer {
public:
    TestHttpServer(); // returns once listening on 127.0.0.1 at a free port
    ~TestHttpServer(); // closes every socket on the server thread, then joins it
    Q_DISABLE_COPY_MOVE(TestHttpServer)

    quint16 port() const;
    QUrl url(const QString &pathAndQuery) const; // url(u"/delay/200"_s) -> http://127.0.0.1:PORT/delay/200

    // A request is in flight from the end of its headers until its response is fully written
    // or the client goes away.
    int inFlight() const;
    int peakInFlight() const; // since construction or resetCounters()
    int requestCount() const;
    QStringList requestedPaths() const; // request targets (path and query as sent), in arrival order
    QByteArray lastRequestBody() const; // of the last request that had a Content-Length, set before it is answered
    void resetCounters();

    // The bytes the /random and /named routes serve: byte offset… of a deterministic
    // pseudo-random stream per seed, so that a test can check a body in pieces.
    static QByteArray randomBytes(quint64 seed, qint64 offset, qint64 size);
    // data in the gzip format, as /gzip-cut serves it.
    static QByteArray gzipped(const QByteArray &data);

private:
    std::unique_ptr<TestHttpServerPrivate> d;
};
