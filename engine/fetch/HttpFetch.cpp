#include "HttpFetch.h"

#include "BodyDecoder.h"
#include "CancelToken.h"
#include "CurlMulti.h"
#include "CurlTransfer.h"
#include "DiskWriter.h"
#include "FileNames.h"
#include "Format.h"
#include "ProxyEnvironment.h"
#include "RateLimit.h"
#include "RetryAfter.h"
#include "UrlList.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>

#include <cerrno>
#include <memory>

using namespace Qt::StringLiterals;

namespace loopscope {

bool FetchOutcome::retryable() const
{
    if (retryAfterMs && *retryAfterMs > MaxRetryAfterMs)
        return false;
    switch (kind) {
    case ErrorKind::Timeout:
    case ErrorKind::IdleTimeout:
    case ErrorKind::ConnectionRefused:
    case ErrorKind::ConnectionReset:
    case ErrorKind::Network:
    case ErrorKind::Temporary:
        return true;
    case ErrorKind::Http:
        return httpStatus >= 500 || httpStatus == 408 || httpStatus == 429;
    default:
        return false;
    }
}

namespace {
// Beyond this many decompressed bytes, a gzip or deflate body that expanded more than 40-fold
// is stopped as a decompression bomb.
constexpr qint64 DecompressionCheckThreshold = 10 * 1024 * 1024;
constexpr qint64 DecompressionMaxRatio = 40;
constexpr long SavedBodyBufferBytes = 256 * 1024;

// Why this side ended an attempt before the server did.
enum class Stop { None, Timeout, IdleTimeout, TooLarge, Disk, Bomb, Undecodable, InsecureRedirect, UnsupportedRedirect, WrongRange };

// The head of the response being received; a redirect's is replaced by the next one's.
struct ResponseHead {
    int status = 0;
    QByteArray reason;
    QByteArray lines; // "Name: value\n" per header, as FetchOutcome::headers keeps them
    bool complete = false; // the blank line after the headers arrived

    void add(QByteArrayView name, QByteArrayView value)
    {
        lines += name;
        lines += ": ";
        lines += value;
        lines += '\n';
    }
    // The first header of that name, or an empty array.
    QByteArray header(QByteArrayView name) const
    {
        for (qsizetype from = 0; from < lines.size();) {
            const qsizetype end = lines.indexOf('\n', from);
            const QByteArrayView line(lines.constData() + from, end - from);
            if (line.size() >= name.size() + 2 && line[name.size()] == ':' && line.first(name.size()).compare(name, Qt::CaseInsensitive) == 0)
                return line.sliced(name.size() + 2).toByteArray();
            from = end + 1;
        }
        return {};
    }
    bool chunked() const { return header("Transfer-Encoding").toLower().contains("chunked"); }
    qint64 contentLength() const
    {
        bool ok = false;
        const qint64 length = header("Content-Length").trimmed().toLongLong(&ok);
        return ok && length >= 0 ? length : -1;
    }
};

// What an attempt saw while it ran.
struct Progress {
    qint64 received = 0;   // body bytes, after decompression
    qint64 wire = 0;       // body bytes as they came, before decompression
    qint64 announced = -1; // Content-Length, of the bytes as they come; -1: not given
    qint64 resumedAt = 0;  // the bytes of the body a part file already held
    Stop stop = Stop::None;
    QString stopDetail; // why the body did not decompress; where a refused redirect led
};

QString seconds(int ms) // "15", "0.3"
{
    return QString::number(ms / 1000.0);
}

QString httpErrorText(const ResponseHead &head)
{
    return head.reason.isEmpty() ? u"HTTP %1"_s.arg(head.status) : u"HTTP %1 %2"_s.arg(head.status).arg(QString::fromLatin1(head.reason));
}

// "HTTP/1.1 503 Service Unavailable\r\n" or "HTTP/2 200 \r\n"
void readStatusLine(QByteArrayView line, ResponseHead &head)
{
    const QList<QByteArray> parts = line.trimmed().toByteArray().split(' ');
    head = ResponseHead();
    head.status = parts.size() >= 2 ? parts[1].toInt() : 0;
    if (parts.size() >= 3)
        head.reason = line.trimmed().toByteArray().mid(parts[0].size() + parts[1].size() + 2).trimmed();
}

std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> requestHeaders(const FetchRequest &request)
{
    curl_slist *list = nullptr;
    if (request.resumeFrom > 0) {
        // The rest of the very bytes the part holds: uncompressed, and only if the body is the
        // same one (If-Range); otherwise the server sends all of it.
        list = curl_slist_append(list, QByteArray("Range: bytes=" + QByteArray::number(request.resumeFrom) + '-').constData());
        list = curl_slist_append(list, QByteArray("If-Range: " + request.ifRange).constData());
        list = curl_slist_append(list, "Accept-Encoding: identity");
    } else {
        // Asked for here rather than through CURLOPT_ACCEPT_ENCODING, so that curl passes the body
        // on as it came: BodyDecoder undoes it, counting what came against the Content-Length.
        list = curl_slist_append(list, "Accept-Encoding: gzip, deflate");
    }
    // No waiting for a "100 Continue" that many servers never send.
    list = curl_slist_append(list, "Expect:");
    if (!request.jsonBody.isEmpty())
        list = curl_slist_append(list, "Content-Type: application/json");
    return {list, &curl_slist_free_all};
}

// What a later request can name in If-Range to get the rest of this very body: a strong ETag,
// else the Last-Modified date; empty when neither can (a weak ETag never matches a range).
QByteArray validatorOf(const ResponseHead &head)
{
    const QByteArray etag = head.header("ETag").trimmed();
    if (!etag.isEmpty() && !etag.startsWith("W/"))
        return etag;
    return head.header("Last-Modified").trimmed();
}

QByteArray pemOf(const QList<QSslCertificate> &certificates)
{
    QByteArray pem;
    for (const QSslCertificate &certificate : certificates)
        pem += certificate.toPem();
    return pem;
}

void configure(CURL *easy, const FetchRequest &request, curl_slist *headers, const QByteArray &caPem, const QByteArray &proxy)
{
    static const QByteArray userAgent = "Loopscope/" LOOPSCOPE_VERSION;
    curl_easy_setopt(easy, CURLOPT_URL, request.url.toEncoded().constData());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, long(request.maxRedirects));
    curl_easy_setopt(easy, CURLOPT_USERAGENT, userAgent.constData());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, request.http11 ? CURL_HTTP_VERSION_1_1 : CURL_HTTP_VERSION_2TLS);
    // proxyFor() chose, no_proxy included: the empty strings turn off curl's own reading of
    // the proxy variables and of no_proxy.
    curl_easy_setopt(easy, CURLOPT_PROXY, proxy.constData());
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "");
    // A body saved to disk is likely large: fewer, larger reads. The default 16 KiB keeps the
    // many small responses of a batch cheap in memory.
    if (request.body)
        curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, SavedBodyBufferBytes);
    if (!caPem.isEmpty()) {
        curl_blob blob{const_cast<char *>(caPem.constData()), size_t(caPem.size()), CURL_BLOB_COPY};
        curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!request.jsonBody.isEmpty()) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.jsonBody.size()));
        curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, request.jsonBody.constData());
    }
}

AttemptTimings timingsOf(CURL *easy, const QUrl &url)
{
    const auto ms = [easy](CURLINFO info) {
        curl_off_t us = 0;
        curl_easy_getinfo(easy, info, &us);
        return double(us) / 1000.0;
    };
    AttemptTimings timings;
    timings.totalMs = ms(CURLINFO_TOTAL_TIME_T);
    timings.dnsMs = ms(CURLINFO_NAMELOOKUP_TIME_T);
    timings.connectMs = ms(CURLINFO_CONNECT_TIME_T);
    timings.tlsMs = ms(CURLINFO_APPCONNECT_TIME_T);
    timings.ttfbMs = ms(CURLINFO_STARTTRANSFER_TIME_T);
    long connects = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    long version = 0;
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
    const char *ip = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip);
    // Most attempts go to the address the one before went to: one string serves them all.
    static thread_local QString lastIp;
    if (lastIp != QLatin1StringView(ip ? ip : ""))
        lastIp = QString::fromLatin1(ip ? ip : "");
    timings.remoteIp = lastIp;
    timings.reused = connects == 0 && !timings.remoteIp.isEmpty();
    switch (version) {
    case CURL_HTTP_VERSION_1_0:
        timings.httpVersion = u"1.0"_s;
        break;
    case CURL_HTTP_VERSION_1_1:
        timings.httpVersion = u"1.1"_s;
        break;
    case CURL_HTTP_VERSION_2_0:
        timings.httpVersion = u"2"_s;
        break;
    case CURL_HTTP_VERSION_3:
        timings.httpVersion = u"3"_s;
        break;
    default:
        break;
    }
    // Without a handshake of its own (plain http, a reused connection) the TLS phase ends
    // where the connection was ready; a phase that never came stays unknown.
    if (timings.tlsMs <= 0 && (url.scheme() != u"https" || timings.reused))
        timings.tlsMs = timings.connectMs;
    if (timings.ttfbMs <= 0 && timings.remoteIp.isEmpty())
        timings.ttfbMs = -1;
    return timings;
}

void describeStop(FetchOutcome &outcome, const Progress &progress, const FetchRequest &request)
{
    switch (progress.stop) {
    case Stop::None:
        break;
    case Stop::Timeout:
        outcome.kind = ErrorKind::Timeout;
        outcome.error = u"timed out after %1 s (total timeout)"_s.arg(seconds(request.timeoutMs));
        break;
    case Stop::IdleTimeout:
        outcome.kind = ErrorKind::IdleTimeout;
        if (outcome.httpStatus == 0)
            outcome.error = u"no answer for %1 s (idle timeout)"_s.arg(seconds(request.idleTimeoutMs));
        else
            outcome.error = u"nothing received for %1 s after %2 (idle timeout)"_s
                                .arg(seconds(request.idleTimeoutMs),
                                     progress.received == 0 ? u"the response headers"_s : formatNumber(progress.received) + u" bytes"_s);
        break;
    case Stop::TooLarge:
        outcome.kind = ErrorKind::TooLarge;
        outcome.error = u"response larger than the %1-byte limit"_s.arg(formatNumber(request.maxBytes));
        if (progress.announced > request.maxBytes)
            outcome.error += u" (Content-Length: %1)"_s.arg(formatNumber(progress.announced));
        break;
    case Stop::Disk:
        outcome.kind = ErrorKind::Disk;
        outcome.error = request.body->error();
        break;
    case Stop::Bomb:
        outcome.kind = ErrorKind::Decompression;
        outcome.error = u"compressed response expands too much (decompression bomb?)"_s;
        break;
    case Stop::Undecodable:
        outcome.kind = ErrorKind::Decompression;
        outcome.error = progress.stopDetail;
        break;
    case Stop::InsecureRedirect:
        outcome.kind = ErrorKind::Refused;
        outcome.error = u"redirect from https to http refused: "_s + progress.stopDetail;
        break;
    case Stop::UnsupportedRedirect:
        outcome.kind = ErrorKind::Refused;
        outcome.error = u"redirect to an unsupported scheme: "_s + progress.stopDetail;
        break;
    case Stop::WrongRange:
        outcome.kind = ErrorKind::MalformedResponse;
        outcome.error = u"malformed response: asked for the body from byte %1, got Content-Range: %2"_s.arg(formatNumber(request.resumeFrom),
                                                                                                            progress.stopDetail);
        break;
    }
}

// A body that ended before it was complete, closed cleanly or reset.
QString cutShortText(const ResponseHead &head, const Progress &progress, bool reset) // "body cut short: connection closed after 1,024 of 2,049 bytes"
{
    const QString how = reset ? u"body cut short: connection reset by the server after "_s : u"body cut short: connection closed "_s;
    if (progress.announced >= 0)
        return how + (reset ? u""_s : u"after "_s) + u"%1 of %2 bytes"_s.arg(formatNumber(progress.wire), formatNumber(progress.announced));
    if (head.chunked())
        return how + (reset ? u""_s : u"in the middle of the chunked body after "_s) + u"%1 bytes"_s.arg(formatNumber(progress.wire));
    return how + (reset ? u""_s : u"after "_s) + u"%1 bytes"_s.arg(formatNumber(progress.wire));
}

// Why a connection could not be made: the system's words for its error ("connection refused"),
// which curl 7.88 replaces with "Couldn't connect to server"; else curl's own.
QString connectError(long osError, const QString &curlText)
{
    const QString reason = osError != 0 ? qt_error_string(int(osError)) : curlText;
    return reason.isEmpty() ? reason : reason.front().toLower() + reason.mid(1);
}

// The kind and the words for an attempt that the network or the peer ended with an error.
void describeTransferError(FetchOutcome &outcome, CURL *easy, CURLcode code, const QString &curlText, const ResponseHead &head,
                           const Progress &progress, const FetchRequest &request, const QString &proxy)
{
    long osError = 0;
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &osError);
    const auto fail = [&outcome](ErrorKind kind, const QString &error) {
        outcome.kind = kind;
        outcome.error = error;
    };
    const QString proxyName = proxy.isEmpty() ? QString() : hostAndPort(QUrl(proxy.contains(u"://"_s) ? proxy : u"http://"_s + proxy));
    const bool before = !head.complete && progress.wire == 0;
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        if (!proxy.isEmpty())
            return fail(ErrorKind::ConnectionRefused, u"cannot connect to the proxy %1: %2"_s.arg(proxyName, connectError(osError, curlText)));
        if (osError == ECONNREFUSED)
            return fail(ErrorKind::ConnectionRefused, u"connection refused by "_s + hostAndPort(request.url));
        return fail(ErrorKind::Network, u"cannot connect to %1: %2"_s.arg(hostAndPort(request.url), connectError(osError, curlText)));
    case CURLE_COULDNT_RESOLVE_HOST:
        return fail(ErrorKind::HostNotFound, u"host not found: "_s + QUrl(outcome.finalUrl).host());
    case CURLE_COULDNT_RESOLVE_PROXY:
        return fail(ErrorKind::HostNotFound, u"proxy host not found: "_s + proxyName);
    case CURLE_PEER_FAILED_VERIFICATION: {
        QString reason = curlText;
        reason.remove(u"SSL certificate problem: "_s);
        return fail(ErrorKind::Tls, u"TLS: certificate not trusted (%1)"_s.arg(reason));
    }
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        return fail(ErrorKind::Tls, u"TLS: handshake failed (%1)"_s.arg(curlText));
    case CURLE_TOO_MANY_REDIRECTS:
        return fail(ErrorKind::TooManyRedirects, u"too many redirects (more than %1)"_s.arg(request.maxRedirects));
    case CURLE_GOT_NOTHING:
        return fail(ErrorKind::ConnectionReset, u"connection closed by the server before any response"_s);
    case CURLE_UNSUPPORTED_PROTOCOL: // a response without a status line: curl takes it for HTTP/0.9
    case CURLE_WEIRD_SERVER_REPLY:
        return fail(ErrorKind::MalformedResponse, u"malformed response"_s);
    case CURLE_PARTIAL_FILE:
        return fail(ErrorKind::ConnectionReset, cutShortText(head, progress, false));
    case CURLE_RECV_ERROR:
        if (curlText.contains(u"chunked-encoding"_s))
            return fail(ErrorKind::MalformedResponse, u"malformed response: a chunk size is not a number"_s);
        if (before)
            return fail(ErrorKind::ConnectionReset, u"connection reset by the server before any response"_s);
        return fail(ErrorKind::ConnectionReset, cutShortText(head, progress, true));
    case CURLE_SEND_ERROR:
        return fail(ErrorKind::ConnectionReset, u"connection reset by the server while sending the request"_s);
    case CURLE_PROXY:
        return fail(ErrorKind::Network, u"proxy %1: %2"_s.arg(proxyName, curlText));
    default:
        break;
    }
    fail(ErrorKind::Network, curlText.isEmpty() ? QString::fromUtf8(curl_easy_strerror(code)) : curlText);
}

// An error status; when it is worth another attempt, the wait the server asked for.
void describeHttpError(FetchOutcome &outcome, const ResponseHead &head)
{
    outcome.kind = ErrorKind::Http;
    outcome.error = httpErrorText(head);
    const QByteArray retryAfter = head.header("Retry-After");
    if (!outcome.retryable() || retryAfter.isEmpty())
        return;
    outcome.retryAfterMs = retryAfterMs(retryAfter, QDateTime::currentDateTimeUtc());
    if (outcome.retryAfterMs && *outcome.retryAfterMs > MaxRetryAfterMs)
        outcome.error += u"; the server asked to wait %1 s before another attempt, longer than the %2 s limit"_s
                             .arg(formatNumber((*outcome.retryAfterMs + 999) / 1000), seconds(MaxRetryAfterMs));
}

QUrl effectiveUrl(CURL *easy)
{
    const char *url = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
    return QUrl::fromEncoded(url ? url : "");
}
// Where the attempt ended up: the URL asked for itself, sharing its data, unless redirected.
QUrl finalUrlOf(CURL *easy, const QUrl &asked)
{
    const char *url = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
    if (!url || !*url || asked.toEncoded() == url)
        return asked;
    return QUrl::fromEncoded(url);
}
} // namespace

QCoro::Task<FetchOutcome> fetchOnce(CurlMulti &multi, FetchRequest request, CancelToken &token)
{
    CurlTransfer transfer;
    const auto headers = requestHeaders(request);
    const QByteArray caPem = pemOf(request.extraCaCertificates);
    const QString proxy = proxyFor(request.url, request.proxy);
    configure(transfer.handle(), request, headers.get(), caPem, proxy.toUtf8());

    DiskWriter *const body = request.body;
    ResponseHead head;
    Progress progress;
    auto decoder = std::make_unique<BodyDecoder>(QByteArray()); // replaced once the final head is in
    QTimer timeout;
    QTimer idle;
    QTimer unpause; // when the rate limit has credit again
    timeout.setSingleShot(true);
    idle.setSingleShot(true);
    unpause.setSingleShot(true);
    // Anything arriving only notes the time; the idle timer looks when it fires. Restarting a
    // timer for every header line and every piece of body costs more than a small response.
    QElapsedTimer sinceActivity;
    const auto restartIdle = [&] { sinceActivity.start(); };
    // Outside curl's callbacks only: there, a stop is a refusal that curl turns into the end.
    const auto stopNow = [&](Stop why) {
        if (progress.stop == Stop::None)
            progress.stop = why;
        transfer.stop();
    };
    const auto saving = [&] { return body && head.status >= 200 && head.status < 300; };
    const auto reportProgress = [&] {
        if (request.onProgress)
            request.onProgress(progress.received, decoder->isDecoding() || progress.announced < 0 ? -1 : progress.resumedAt + progress.announced);
    };

    // The final response's head, once its blank line arrives; a redirect's only says where next.
    const auto headEnded = [&]() -> bool {
        head.complete = true;
        restartIdle();
        if (head.status >= 100 && head.status < 200)
            return true; // an interim response; the real one follows
        const QByteArray location = head.header("Location");
        if (head.status >= 300 && head.status < 400 && !location.isEmpty()) {
            const QUrl from = effectiveUrl(transfer.handle());
            const QUrl to = from.resolved(QUrl::fromEncoded(location.trimmed()));
            if (to.scheme() != u"http" && to.scheme() != u"https") {
                progress.stop = Stop::UnsupportedRedirect;
                progress.stopDetail = QString::fromUtf8(location.trimmed()).left(200);
                return false;
            }
            if (from.scheme() == u"https" && to.scheme() == u"http") {
                progress.stop = Stop::InsecureRedirect;
                progress.stopDetail = QString::fromUtf8(location.trimmed()).left(200);
                return false;
            }
            return true; // curl follows it and ignores its body
        }
        progress.announced = head.contentLength();
        decoder = std::make_unique<BodyDecoder>(head.header("Content-Encoding").trimmed());
        // A compressed length says little about the decompressed size: that is limited as it grows.
        if (request.maxBytes > 0 && !decoder->isDecoding() && progress.announced > request.maxBytes) {
            progress.stop = Stop::TooLarge;
            return false;
        }
        if (!saving())
            return true;
        if (request.resumeFrom > 0 && head.status == 206) {
            const QByteArray range = head.header("Content-Range").trimmed();
            if (!range.startsWith(QByteArray("bytes " + QByteArray::number(request.resumeFrom) + '-'))) {
                progress.stop = Stop::WrongRange;
                progress.stopDetail = QString::fromLatin1(range.left(100));
                return false;
            }
            progress.resumedAt = progress.received = request.resumeFrom;
            body->resume();
        } else {
            body->start(downloadFileName(head.header("Content-Disposition"), effectiveUrl(transfer.handle())), validatorOf(head));
        }
        return true;
    };
    transfer.onHeader([&](QByteArrayView line) {
        if (line.startsWith("HTTP/")) {
            readStatusLine(line, head);
            restartIdle();
            return true;
        }
        if (line == "\r\n" || line == "\n")
            return headEnded();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            head.add(line.first(colon).trimmed(), line.sliced(colon + 1).trimmed());
        return true;
    });

    // Counts each decoded piece, stops a body that grows too large or expands too much, and
    // hands it to the disk when the body is saved.
    const auto takeDecoded = [&](QByteArrayView piece) {
        progress.received += piece.size();
        if (saving())
            body->write(piece);
        if (request.maxBytes > 0 && progress.received > request.maxBytes) {
            progress.stop = Stop::TooLarge;
            return false;
        }
        if (decoder->isDecoding() && progress.received > DecompressionCheckThreshold
            && progress.received > DecompressionMaxRatio * progress.wire) {
            progress.stop = Stop::Bomb;
            return false;
        }
        return true;
    };
    transfer.onBody([&](QByteArrayView bytes) {
        if (progress.stop != Stop::None)
            return CurlTransfer::Taken::Refuse;
        // Held back, not read: curl offers the same bytes again once unpaused, and the socket
        // meanwhile fills, which slows the server down.
        if (saving() && body->unwritten() >= DiskWriter::MaxUnwritten)
            return CurlTransfer::Taken::Pause;
        if (request.rateLimit && !request.rateLimit->take(bytes.size())) {
            unpause.start(request.rateLimit->waitMs());
            return CurlTransfer::Taken::Pause;
        }
        restartIdle();
        progress.wire += bytes.size();
        const Result<> decoded = decoder->decode(bytes, takeDecoded);
        if (!decoded && progress.stop == Stop::None) {
            progress.stop = Stop::Undecodable;
            progress.stopDetail = decoded.error();
        }
        reportProgress();
        return progress.stop == Stop::None ? CurlTransfer::Taken::Take : CurlTransfer::Taken::Refuse;
    });

    QObject scope; // the receiver of the connections below, gone with this frame
    QObject::connect(&unpause, &QTimer::timeout, &scope, [&] { transfer.unpause(); });
    if (body) {
        // Waiting for the disk is not the network falling idle.
        QObject::connect(body, &DiskWriter::progressed, &scope, [&] {
            restartIdle();
            if (body->hasFailed())
                stopNow(Stop::Disk);
            else if (!unpause.isActive())
                transfer.unpause();
        });
    }
    QObject::connect(&timeout, &QTimer::timeout, &scope, [&] { stopNow(Stop::Timeout); });
    QObject::connect(&idle, &QTimer::timeout, &scope, [&] {
        const qint64 quiet = sinceActivity.elapsed();
        if (quiet >= request.idleTimeoutMs)
            stopNow(Stop::IdleTimeout);
        else
            idle.start(int(request.idleTimeoutMs - quiet));
    });
    QObject::connect(&token, &CancelToken::cancelled, &scope, [&] { transfer.stop(); });

    CURLcode code = CURLE_ABORTED_BY_CALLBACK;
    if (!token.isCancelled()) {
        if (request.timeoutMs > 0)
            timeout.start(request.timeoutMs);
        restartIdle();
        if (request.idleTimeoutMs > 0)
            idle.start(request.idleTimeoutMs);
        code = co_await transfer.run(multi);
    }
    timeout.stop();
    idle.stop();
    unpause.stop();

    FetchOutcome outcome;
    outcome.finalUrl = finalUrlOf(transfer.handle(), request.url);
    outcome.headers = head.lines;
    outcome.headers.squeeze(); // kept with the task, for as long as the task is
    outcome.httpStatus = head.status;
    outcome.timings = timingsOf(transfer.handle(), request.url);
    if (token.isCancelled()) {
        outcome.kind = ErrorKind::Cancelled;
        outcome.error = cancelReasonText(token.reason());
    } else if (progress.stop != Stop::None) {
        describeStop(outcome, progress, request);
    } else if (outcome.httpStatus >= 400) {
        describeHttpError(outcome, head);
    } else if (code != CURLE_OK) {
        describeTransferError(outcome, transfer.handle(), code, transfer.errorText(), head, progress, request, proxy);
    } else if (outcome.httpStatus >= 300) {
        // A redirect without a usable Location: nothing more to follow.
        outcome.kind = ErrorKind::Http;
        outcome.error = httpErrorText(head);
    }
    if (outcome.kind == ErrorKind::None && body && body->hasFailed()) {
        outcome.kind = ErrorKind::Disk;
        outcome.error = body->error();
    }
    if (outcome.kind == ErrorKind::None) {
        reportProgress();
        if (!decoder->isComplete() && progress.wire > 0) {
            outcome.kind = ErrorKind::Decompression;
            outcome.error = u"compressed response ends before its compressed data does"_s;
        } else if (progress.announced < 0 && !head.chunked() && outcome.timings.httpVersion.startsWith(u'1')
                   && head.status != 204 && head.status != 304) {
            // HTTP/1 without a length or chunks ends a body by closing: complete or cut, it looks the same.
            outcome.note = u"length not announced"_s;
        }
        if (progress.resumedAt > 0)
            outcome.note = u"resumed at %1 bytes"_s.arg(formatNumber(progress.resumedAt));
        else if (request.resumeFrom > 0 && body)
            outcome.note = u"could not resume at %1 bytes (the server sent the whole body): downloaded in full"_s.arg(formatNumber(request.resumeFrom));
    }
    if (!body)
        co_return outcome;
    if (outcome.kind == ErrorKind::None) {
        if (!body->isStarted()) // an empty body is an empty file
            body->start(downloadFileName(head.header("Content-Disposition"), outcome.finalUrl), {});
        outcome.savedPath = co_await body->commit();
        if (outcome.savedPath.isEmpty()) {
            outcome.kind = ErrorKind::Disk;
            outcome.error = body->error();
        }
    } else {
        co_await body->discard();
    }
    co_return outcome;
}

} // namespace loopscope
