#include "FetchFailure.h"

#include "DiskWriter.h"
#include "Format.h"
#include "RetryAfter.h"
#include "UrlList.h"

#include <QDateTime>

#include <cerrno>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
QString seconds(int ms) // "15", "0.3"
{
    return QString::number(ms / 1000.0);
}

// A body that ended before it was complete, closed cleanly or reset.
QString cutShortText(const ResponseHead &head, const AttemptProgress &progress, bool reset) // "body cut short: connection closed after 1,024 of 2,049 bytes"
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
} // namespace

void describeStop(FetchOutcome &outcome, const AttemptProgress &progress, const FetchRequest &request)
{
    switch (progress.stop) {
    case AttemptStop::None:
        break;
    case AttemptStop::Timeout:
        outcome.kind = ErrorKind::Timeout;
        outcome.error = u"timed out after %1 s (total timeout)"_s.arg(seconds(request.timeoutMs));
        break;
    case AttemptStop::IdleTimeout:
        outcome.kind = ErrorKind::IdleTimeout;
        if (outcome.httpStatus == 0)
            outcome.error = u"no answer for %1 s (idle timeout)"_s.arg(seconds(request.idleTimeoutMs));
        else
            outcome.error = u"nothing received for %1 s after %2 (idle timeout)"_s
                                .arg(seconds(request.idleTimeoutMs),
                                     progress.received == 0 ? u"the response headers"_s : formatNumber(progress.received) + u" bytes"_s);
        break;
    case AttemptStop::TooLarge:
        outcome.kind = ErrorKind::TooLarge;
        outcome.error = u"response larger than the %1-byte limit"_s.arg(formatNumber(request.maxBytes));
        if (progress.announced > request.maxBytes)
            outcome.error += u" (Content-Length: %1)"_s.arg(formatNumber(progress.announced));
        break;
    case AttemptStop::HugeHead:
        outcome.kind = ErrorKind::TooLarge;
        outcome.error = u"response headers larger than %1"_s.arg(formatBytes(MaxHeadBytes));
        break;
    case AttemptStop::Disk:
        outcome.kind = ErrorKind::Disk;
        outcome.error = request.body->error();
        break;
    case AttemptStop::Bomb:
        outcome.kind = ErrorKind::Decompression;
        outcome.error = u"compressed response expands too much (decompression bomb?)"_s;
        break;
    case AttemptStop::Undecodable:
        outcome.kind = ErrorKind::Decompression;
        outcome.error = progress.stopDetail;
        break;
    case AttemptStop::InsecureRedirect:
        outcome.kind = ErrorKind::Refused;
        outcome.error = u"redirect from https to http refused: "_s + progress.stopDetail;
        break;
    case AttemptStop::UnsupportedRedirect:
        outcome.kind = ErrorKind::Refused;
        outcome.error = u"redirect to an unsupported scheme: "_s + progress.stopDetail;
        break;
    case AttemptStop::WrongRange:
        outcome.kind = ErrorKind::MalformedResponse;
        outcome.error = u"malformed response: asked for the body from byte %1, got Content-Range: %2"_s.arg(formatNumber(request.resumeFrom),
                                                                                                            progress.stopDetail);
        break;
    }
}

void describeTransferError(FetchOutcome &outcome, CURL *easy, CURLcode code, const QString &curlText, const ResponseHead &head,
                           const AttemptProgress &progress, const FetchRequest &request, const QString &proxy)
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
                             .arg(formatNumber(*outcome.retryAfterMs / 1000 + (*outcome.retryAfterMs % 1000 != 0)), seconds(MaxRetryAfterMs));
}

} // namespace loopscope
