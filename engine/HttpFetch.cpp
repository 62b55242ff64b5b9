#include "HttpFetch.h"

#include "CancelToken.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QTimer>
#include <QCoroNetworkReply>

#include <memory>

namespace loopscope {

bool FetchOutcome::retryable() const
{
    switch (kind) {
    case Kind::NetworkError:
    case Kind::Timeout:
        return true;
    case Kind::HttpError:
        return httpStatus >= 500 || httpStatus == 408 || httpStatus == 429;
    default:
        return false;
    }
}

namespace {
// A reply may be released from inside its own finished() signal (abort() emits it
// synchronously and resumes this coroutine), so it must outlive the current call.
struct DeleteLater {
    void operator()(QObject *object) const { object->deleteLater(); }
};

QString httpErrorText(const QNetworkReply &reply, int status)
{
    const QString reason = reply.attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    return reason.isEmpty() ? QStringLiteral("HTTP %1").arg(status) : QStringLiteral("HTTP %1 %2").arg(status).arg(reason);
}
} // namespace

QCoro::Task<FetchOutcome> fetchOnce(QNetworkAccessManager &manager, FetchRequest request, CancelToken &token)
{
    QNetworkRequest httpRequest(request.url);
    // Qt itself refuses redirects to schemes other than http and https, and this policy also
    // refuses https → http.
    httpRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    httpRequest.setMaximumRedirectsAllowed(request.maxRedirects);
    httpRequest.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("Loopscope/" LOOPSCOPE_VERSION));

    if (!request.extraCaCertificates.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(request.extraCaCertificates);
        httpRequest.setSslConfiguration(tls);
    }
    QNetworkReply *started = nullptr;
    if (request.jsonBody.isEmpty()) {
        started = manager.get(httpRequest);
    } else {
        httpRequest.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        started = manager.post(httpRequest, request.jsonBody);
    }
    const std::unique_ptr<QNetworkReply, DeleteLater> reply(started);
    FetchOutcome outcome;
    qint64 received = 0;
    bool timedOut = false;

    QObject::connect(reply.get(), &QIODevice::readyRead, reply.get(), [&] {
        received += reply->skip(reply->bytesAvailable());
        if (request.onProgress) {
            const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
            request.onProgress(received, length.isValid() ? length.toLongLong() : -1);
        }
    });
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, reply.get(), [&] {
        timedOut = true;
        reply->abort();
    });
    QObject::connect(&token, &CancelToken::cancelled, reply.get(), [&] { reply->abort(); });

    if (token.isCancelled())
        reply->abort();
    else
        timeout.start(request.timeoutMs);

    co_await reply.get();

    outcome.finalUrl = reply->url();
    outcome.headers = reply->rawHeaderPairs();
    outcome.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (token.isCancelled()) {
        outcome.kind = FetchOutcome::Kind::Cancelled;
        outcome.error = cancelReasonText(token.reason());
    } else if (timedOut) {
        outcome.kind = FetchOutcome::Kind::Timeout;
        outcome.error = QStringLiteral("timed out after %1 s").arg(request.timeoutMs / 1000.0);
    } else if (outcome.httpStatus >= 400) {
        outcome.kind = FetchOutcome::Kind::HttpError;
        outcome.error = httpErrorText(*reply, outcome.httpStatus);
    } else if (reply->error() == QNetworkReply::TooManyRedirectsError) {
        outcome.kind = FetchOutcome::Kind::HttpError;
        outcome.error = QStringLiteral("too many redirects (more than %1)").arg(request.maxRedirects);
    } else if (reply->error() == QNetworkReply::ProtocolUnknownError && outcome.httpStatus >= 300) {
        outcome.kind = FetchOutcome::Kind::HttpError;
        outcome.error = QStringLiteral("redirect to an unsupported scheme: %1")
                            .arg(QString::fromUtf8(reply->rawHeader("Location")).left(200));
    } else if (reply->error() != QNetworkReply::NoError) {
        outcome.kind = FetchOutcome::Kind::NetworkError;
        outcome.error = reply->errorString();
    } else if (outcome.httpStatus >= 300) {
        // A redirect without a usable Location: nothing more to follow.
        outcome.kind = FetchOutcome::Kind::HttpError;
        outcome.error = httpErrorText(*reply, outcome.httpStatus);
    }
    co_return outcome;
}

} // namespace loopscope
