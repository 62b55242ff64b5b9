#include "HttpFetch.h"

#include "BodyDecoder.h"
#include "CancelToken.h"
#include "CurlMulti.h"
#include "CurlTransfer.h"
#include "DiskWriter.h"
#include "FetchFailure.h"
#include "FileNames.h"
#include "Format.h"
#include "ProxyEnvironment.h"
#include "RateLimit.h"
#include "RetryAfter.h"

#include <QElapsedTimer>
#include <QTimer>

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

QUrl effectiveUrl(CURL *easy)
{
    const char *url = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
    return QUrl::fromEncoded(url ? url : "");
}
// Where the attempt ended up: the URL asked for itself, sharing its data, unless redirected.
QUrl finalUrlOf(CURL *easy, const QUrl &asked)
{
    long redirects = 0;
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
    return redirects == 0 ? asked : effectiveUrl(easy);
}
} // namespace

QCoro::Task<FetchOutcome> fetchOnce(CurlMulti &multi, FetchRequest request, CancelToken &token)
{
    CurlTransfer transfer(multi, request.task);
    const auto headers = requestHeaders(request);
    const QByteArray caPem = pemOf(request.extraCaCertificates);
    const QString proxy = proxyFor(request.url, request.proxy);
    configure(transfer.handle(), request, headers.get(), caPem, proxy.toUtf8());

    DiskWriter *const body = request.body;
    ResponseHead head;
    AttemptProgress progress;
    auto decoder = std::make_unique<BodyDecoder>(QByteArray()); // replaced once the final head is in
    // Anything arriving only notes the time; the deadline timer looks when it fires. Restarting
    // a timer for every header line and every piece of body costs more than a small response.
    QElapsedTimer sinceStart;
    QElapsedTimer sinceActivity;
    const auto restartIdle = [&] { sinceActivity.start(); };
    // When the rate limit has credit again; only a limited batch needs one.
    const std::unique_ptr<QTimer> unpause(request.rateLimit ? new QTimer : nullptr);
    if (unpause)
        unpause->setSingleShot(true);
    // Outside curl's callbacks only: there, a stop is a refusal that curl turns into the end.
    const auto stopNow = [&](AttemptStop why) {
        if (progress.stop == AttemptStop::None)
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
                progress.stop = AttemptStop::UnsupportedRedirect;
                progress.stopDetail = escaped(QString::fromUtf8(location.trimmed()), 200);
                return false;
            }
            if (from.scheme() == u"https" && to.scheme() == u"http") {
                progress.stop = AttemptStop::InsecureRedirect;
                progress.stopDetail = escaped(QString::fromUtf8(location.trimmed()), 200);
                return false;
            }
            return true; // curl follows it and ignores its body
        }
        progress.announced = head.contentLength();
        decoder = std::make_unique<BodyDecoder>(head.header("Content-Encoding").trimmed());
        // A compressed length says little about the decompressed size: that is limited as it grows.
        if (request.maxBytes > 0 && !decoder->isDecoding() && progress.announced > request.maxBytes) {
            progress.stop = AttemptStop::TooLarge;
            return false;
        }
        if (!saving())
            return true;
        if (request.resumeFrom > 0 && head.status == 206) {
            const QByteArray range = head.header("Content-Range").trimmed();
            if (!range.startsWith(QByteArray("bytes " + QByteArray::number(request.resumeFrom) + '-'))) {
                progress.stop = AttemptStop::WrongRange;
                progress.stopDetail = escaped(QString::fromLatin1(range), 100);
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
        head.bytes += line.size();
        if (head.bytes > MaxHeadBytes) {
            progress.stop = AttemptStop::HugeHead;
            return false;
        }
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
            progress.stop = AttemptStop::TooLarge;
            return false;
        }
        if (decoder->isDecoding() && progress.received > DecompressionCheckThreshold
            && progress.received > DecompressionMaxRatio * progress.wire) {
            progress.stop = AttemptStop::Bomb;
            return false;
        }
        return true;
    };
    transfer.onBody([&](QByteArrayView bytes) {
        if (progress.stop != AttemptStop::None)
            return CurlTransfer::Taken::Refuse;
        // Held back, not read: curl offers the same bytes again once unpaused, and the socket
        // meanwhile fills, which slows the server down.
        if (saving() && body->unwritten() >= DiskWriter::MaxUnwritten)
            return CurlTransfer::Taken::Pause;
        if (request.rateLimit && !request.rateLimit->take(bytes.size())) {
            unpause->start(request.rateLimit->waitMs());
            return CurlTransfer::Taken::Pause;
        }
        restartIdle();
        progress.wire += bytes.size();
        const Result<> decoded = decoder->decode(bytes, takeDecoded);
        if (!decoded && progress.stop == AttemptStop::None) {
            progress.stop = AttemptStop::Undecodable;
            progress.stopDetail = decoded.error();
        }
        reportProgress();
        return progress.stop == AttemptStop::None ? CurlTransfer::Taken::Take : CurlTransfer::Taken::Refuse;
    });

    // The nearer of the attempt's two limits, the whole time and the time without receiving
    // anything: one timer for both, and the receiver of every connection below, gone with this frame.
    QTimer deadline;
    deadline.setSingleShot(true);
    const auto armDeadline = [&] {
        qint64 wait = -1;
        if (request.timeoutMs > 0) {
            const qint64 left = request.timeoutMs - sinceStart.elapsed();
            if (left <= 0) {
                stopNow(AttemptStop::Timeout);
                return;
            }
            wait = left;
        }
        if (request.idleTimeoutMs > 0) {
            const qint64 left = request.idleTimeoutMs - sinceActivity.elapsed();
            if (left <= 0) {
                stopNow(AttemptStop::IdleTimeout);
                return;
            }
            wait = wait < 0 ? left : std::min(wait, left);
        }
        if (wait >= 0)
            deadline.start(int(wait));
    };
    QObject::connect(&deadline, &QTimer::timeout, &deadline, armDeadline);
    if (unpause)
        QObject::connect(unpause.get(), &QTimer::timeout, &deadline, [&] { transfer.unpause(); });
    if (body) {
        // Waiting for the disk is not the network falling idle.
        QObject::connect(body, &DiskWriter::progressed, &deadline, [&] {
            restartIdle();
            if (body->hasFailed())
                stopNow(AttemptStop::Disk);
            else if (!unpause || !unpause->isActive())
                transfer.unpause();
        });
    }
    QObject::connect(&token, &CancelToken::cancelled, &deadline, [&] { transfer.stop(); });

    CURLcode code = CURLE_ABORTED_BY_CALLBACK;
    if (!token.isCancelled()) {
        sinceStart.start();
        restartIdle();
        armDeadline();
        code = co_await transfer.run();
    }
    deadline.stop();
    if (unpause)
        unpause->stop();

    FetchOutcome outcome;
    outcome.finalUrl = finalUrlOf(transfer.handle(), request.url);
    outcome.headers = head.lines;
    outcome.headers.squeeze(); // kept with the task, for as long as the task is
    outcome.httpStatus = head.status;
    outcome.timings = timingsOf(transfer.handle(), request.url);
    if (token.isCancelled()) {
        outcome.kind = ErrorKind::Cancelled;
        outcome.error = cancelReasonText(token.reason());
    } else if (progress.stop != AttemptStop::None) {
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
