#include "HttpFetch.h"

#include "BodyDecoder.h"
#include "RetryAfter.h"
#include "CancelToken.h"
#include "DiskWriter.h"
#include "FileNames.h"
#include "Format.h"
#include "UrlList.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QTimer>
#include <QCoroNetworkReply>

#include <limits>
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
// is stopped as a decompression bomb (the rule Qt applies when it decompresses).
constexpr qint64 DecompressionCheckThreshold = 10 * 1024 * 1024;
constexpr qint64 DecompressionMaxRatio = 40;
// A saved body is read in pieces of this size, and Qt buffers at most this much of it when the
// fetch pauses for the disk: it then stops reading from the socket.
constexpr qint64 BodyChunkBytes = 256 * 1024;
constexpr qint64 SavedBodyBufferBytes = 1024 * 1024;

// A reply may be released from inside its own finished() signal (abort() emits it
// synchronously and resumes this coroutine), so it must outlive the current call.
struct DeleteLater {
    void operator()(QObject *object) const { object->deleteLater(); }
};

// Why this side ended an attempt before the server did.
enum class Stop { None, Timeout, IdleTimeout, TooLarge, Disk, Bomb, Undecodable };

// What an attempt saw while it ran.
struct Progress {
    qint64 received = 0;   // body bytes, after decompression
    qint64 wire = 0;       // body bytes as they came, before decompression
    qint64 announced = -1; // Content-Length, of the bytes as they come; -1: not given
    Stop stop = Stop::None;
    QString undecodable; // why the body did not decompress
    QStringList tlsErrors;
};

QString seconds(int ms) // "15", "0.3"
{
    return QString::number(ms / 1000.0);
}

// A body that ended before it was complete. Qt reads a reset as an orderly close, so the text
// cannot tell the two apart: "closed" is true of both.
QString cutShortText(const QNetworkReply &reply, const Progress &progress) // "connection closed after 1,024 of 2,049 bytes"
{
    if (progress.announced >= 0)
        return u"connection closed after %1 of %2 bytes"_s.arg(formatNumber(progress.wire), formatNumber(progress.announced));
    if (reply.rawHeader("Transfer-Encoding").toLower().contains("chunked"))
        return u"connection closed in the middle of the chunked body after %1 bytes"_s.arg(formatNumber(progress.received));
    return u"connection closed after %1 bytes"_s.arg(formatNumber(progress.wire));
}

QString location(const QNetworkReply &reply) // of a redirect, shortened for an error text
{
    return QString::fromUtf8(reply.rawHeader("Location")).left(200);
}

QString httpErrorText(const QNetworkReply &reply, int status)
{
    const QString reason = reply.attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    return reason.isEmpty() ? u"HTTP %1"_s.arg(status) : u"HTTP %1 %2"_s.arg(status).arg(reason);
}

QNetworkRequest httpRequestFor(const FetchRequest &request)
{
    QNetworkRequest httpRequest(request.url);
    // Qt itself refuses redirects to schemes other than http and https, and this policy also
    // refuses https → http.
    httpRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    httpRequest.setMaximumRedirectsAllowed(request.maxRedirects);
    httpRequest.setHeader(QNetworkRequest::UserAgentHeader, QString(u"Loopscope/"_s + QString::fromLatin1(LOOPSCOPE_VERSION)));
    // Asking for the encodings ourselves turns Qt's decompression off (BodyDecoder does it), so
    // that the Content-Length stays in the reply and the bytes as they came can be counted.
    httpRequest.setRawHeader("Accept-Encoding", "gzip, deflate");
    if (!request.extraCaCertificates.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(request.extraCaCertificates);
        httpRequest.setSslConfiguration(tls);
    }
    if (!request.jsonBody.isEmpty())
        httpRequest.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return httpRequest;
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
        outcome.error = progress.undecodable;
        break;
    }
}

QString tlsErrorText(const QStringList &certificateErrors, const QNetworkReply &reply)
{
    if (certificateErrors.isEmpty())
        return u"TLS: handshake failed (%1)"_s.arg(reply.errorString());
    QStringList reasons;
    for (const QString &error : certificateErrors)
        reasons << (error.isEmpty() ? error : error.front().toLower() + error.mid(1));
    return u"TLS: certificate not trusted (%1)"_s.arg(reasons.join(u"; "));
}

// The kind and the words for an attempt that the network or the peer ended with an error.
void describeNetworkError(FetchOutcome &outcome, const QNetworkReply &reply, const Progress &progress, const FetchRequest &request)
{
    const auto fail = [&outcome](ErrorKind kind, const QString &error) {
        outcome.kind = kind;
        outcome.error = error;
    };
    switch (reply.error()) {
    case QNetworkReply::ConnectionRefusedError:
        return fail(ErrorKind::ConnectionRefused, u"connection refused by "_s + hostAndPort(reply.url()));
    case QNetworkReply::RemoteHostClosedError:
        if (outcome.httpStatus == 0 && progress.received == 0)
            return fail(ErrorKind::ConnectionReset, u"connection closed by the server before any response"_s);
        return fail(ErrorKind::ConnectionReset, cutShortText(reply, progress));
    case QNetworkReply::HostNotFoundError:
        return fail(ErrorKind::HostNotFound, u"host not found: "_s + reply.url().host());
    case QNetworkReply::SslHandshakeFailedError:
        return fail(ErrorKind::Tls, tlsErrorText(progress.tlsErrors, reply));
    case QNetworkReply::TooManyRedirectsError:
        return fail(ErrorKind::TooManyRedirects, u"too many redirects (more than %1)"_s.arg(request.maxRedirects));
    case QNetworkReply::InsecureRedirectError:
        return fail(ErrorKind::Refused, u"redirect from https to http refused: "_s + location(reply));
    case QNetworkReply::ProtocolUnknownError:
        if (outcome.httpStatus >= 300)
            return fail(ErrorKind::Refused, u"redirect to an unsupported scheme: "_s + location(reply));
        break;
    default:
        break;
    }
    fail(ErrorKind::Network, reply.errorString());
}

// An error status; when it is worth another attempt, the wait the server asked for.
void describeHttpError(FetchOutcome &outcome, const QNetworkReply &reply)
{
    outcome.kind = ErrorKind::Http;
    outcome.error = httpErrorText(reply, outcome.httpStatus);
    if (!outcome.retryable() || !reply.hasRawHeader("Retry-After"))
        return;
    outcome.retryAfterMs = retryAfterMs(reply.rawHeader("Retry-After"), QDateTime::currentDateTimeUtc());
    if (outcome.retryAfterMs && *outcome.retryAfterMs > MaxRetryAfterMs)
        outcome.error += u"; the server asked to wait %1 s before another attempt, longer than the %2 s limit"_s
                             .arg(formatNumber((*outcome.retryAfterMs + 999) / 1000), seconds(MaxRetryAfterMs));
}
} // namespace

QCoro::Task<FetchOutcome> fetchOnce(QNetworkAccessManager &manager, FetchRequest request, CancelToken &token)
{
    const QNetworkRequest httpRequest = httpRequestFor(request);
    const std::unique_ptr<QNetworkReply, DeleteLater> reply(request.jsonBody.isEmpty() ? manager.get(httpRequest)
                                                                                       : manager.post(httpRequest, request.jsonBody));
    DiskWriter *const body = request.body;
    if (body)
        reply->setReadBufferSize(SavedBodyBufferBytes);
    // The receiver of every connection below: as it goes with this frame, so do they, while
    // the reply itself lingers until deleteLater.
    QObject scope;
    Progress progress;
    QTimer timeout;
    QTimer idle;
    timeout.setSingleShot(true);
    idle.setSingleShot(true);
    const auto restartIdle = [&] {
        if (request.idleTimeoutMs > 0)
            idle.start(request.idleTimeoutMs);
    };
    const auto stopNow = [&](Stop why) {
        progress.stop = why;
        reply->abort();
    };
    // From inside the reply's own signals the abort waits for the next turn of the loop: it
    // resumes this coroutine, which must not run in the middle of Qt's delivery.
    const auto stopSoon = [&](Stop why) {
        if (progress.stop != Stop::None)
            return;
        progress.stop = why;
        QMetaObject::invokeMethod(reply.get(), &QNetworkReply::abort, Qt::QueuedConnection);
    };
    const auto stopTooLarge = [&] { stopSoon(Stop::TooLarge); };
    const auto saving = [&] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        return body && status >= 200 && status < 300;
    };
    const auto startBody = [&] { body->start(downloadFileName(reply->rawHeader("Content-Disposition"), reply->url())); };
    // Replaced by one for the response's Content-Encoding once its headers are in.
    auto decoder = std::make_unique<BodyDecoder>(QByteArray());
    // Counts each decoded piece, stops a body that grows too large or expands too much, and
    // hands it to the disk when the body is saved.
    const auto takeDecoded = [&](const QByteArray &piece) {
        progress.received += piece.size();
        if (saving())
            body->write(piece);
        if (request.maxBytes > 0 && progress.received > request.maxBytes) {
            stopTooLarge();
            return false;
        }
        if (decoder->isDecoding() && progress.received > DecompressionCheckThreshold
            && progress.received > DecompressionMaxRatio * progress.wire) {
            stopSoon(Stop::Bomb);
            return false;
        }
        return true;
    };
    // Takes what has arrived; while the disk is too far behind, leaves it in the reply, whose
    // bounded buffer then stops Qt from reading the socket.
    const auto takeBody = [&](qint64 limit) {
        if (saving() && !body->isStarted())
            startBody();
        while (progress.stop == Stop::None && reply->bytesAvailable() > 0 && (!saving() || body->unwritten() < limit)) {
            const QByteArray chunk = reply->read(BodyChunkBytes);
            progress.wire += chunk.size();
            const Result<> decoded = decoder->decode(chunk, takeDecoded);
            if (!decoded) {
                progress.undecodable = decoded.error();
                stopSoon(Stop::Undecodable);
            }
        }
    };
    const auto bodyArrived = [&] {
        takeBody(DiskWriter::MaxUnwritten);
        if (request.onProgress)
            request.onProgress(progress.received, decoder->isDecoding() ? -1 : progress.announced);
    };

    QObject::connect(reply.get(), &QNetworkReply::metaDataChanged, &scope, [&] {
        restartIdle();
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        progress.announced = length.isValid() ? length.toLongLong() : -1;
        decoder = std::make_unique<BodyDecoder>(reply->rawHeader("Content-Encoding"));
        // A compressed length says little about the decompressed size: that is limited as it grows.
        if (request.maxBytes > 0 && !decoder->isDecoding() && progress.announced > request.maxBytes)
            stopTooLarge();
    });
    QObject::connect(reply.get(), &QIODevice::readyRead, &scope, [&] {
        restartIdle();
        bodyArrived();
    });
    if (body) {
        // Waiting for the disk is not the network falling idle.
        QObject::connect(body, &DiskWriter::progressed, &scope, [&] {
            if (reply->isFinished())
                return;
            restartIdle();
            if (body->hasFailed())
                stopSoon(Stop::Disk);
            else if (progress.stop == Stop::None)
                bodyArrived();
        });
    }
    QObject::connect(reply.get(), &QNetworkReply::redirected, &scope, restartIdle);
    QObject::connect(reply.get(), &QNetworkReply::sslErrors, &scope, [&](const QList<QSslError> &errors) {
        for (const QSslError &error : errors)
            progress.tlsErrors << error.errorString();
    });
    QObject::connect(&timeout, &QTimer::timeout, &scope, [&] { stopNow(Stop::Timeout); });
    QObject::connect(&idle, &QTimer::timeout, &scope, [&] { stopNow(Stop::IdleTimeout); });
    QObject::connect(&token, &CancelToken::cancelled, &scope, [&] { reply->abort(); });

    if (token.isCancelled()) {
        reply->abort();
    } else {
        if (request.timeoutMs > 0)
            timeout.start(request.timeoutMs);
        restartIdle();
    }

    co_await reply.get();
    timeout.stop();
    idle.stop();

    FetchOutcome outcome;
    outcome.finalUrl = reply->url();
    outcome.headers = reply->rawHeaderPairs();
    outcome.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (token.isCancelled()) {
        outcome.kind = ErrorKind::Cancelled;
        outcome.error = cancelReasonText(token.reason());
    } else if (progress.stop != Stop::None) {
        describeStop(outcome, progress, request);
    } else if (outcome.httpStatus >= 400) {
        describeHttpError(outcome, *reply);
    } else if (reply->error() != QNetworkReply::NoError) {
        describeNetworkError(outcome, *reply, progress, request);
    } else if (outcome.httpStatus >= 300) {
        // A redirect without a usable Location: nothing more to follow.
        outcome.kind = ErrorKind::Http;
        outcome.error = httpErrorText(*reply, outcome.httpStatus);
    }
    if (outcome.kind == ErrorKind::None && body && body->hasFailed()) {
        outcome.kind = ErrorKind::Disk;
        outcome.error = body->error();
    }
    if (outcome.kind == ErrorKind::None) {
        // What the reply still buffers is at most its read buffer: take it whatever the disk's lag.
        takeBody(std::numeric_limits<qint64>::max());
        if (request.onProgress)
            request.onProgress(progress.received, decoder->isDecoding() ? -1 : progress.announced);
        if (progress.stop != Stop::None) {
            describeStop(outcome, progress, request);
        } else if (progress.wire < progress.announced) {
            // With a bounded read buffer, Qt 6.4 can end a reply that the server closed mid-body
            // without an error; the announced length tells.
            outcome.kind = ErrorKind::ConnectionReset;
            outcome.error = cutShortText(*reply, progress);
        } else if (!decoder->isComplete() && progress.wire > 0) {
            outcome.kind = ErrorKind::Decompression;
            outcome.error = u"compressed response ends before its compressed data does"_s;
        }
    }
    if (!body)
        co_return outcome;
    if (outcome.kind == ErrorKind::None) {
        if (!body->isStarted()) // an empty body is an empty file
            startBody();
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
