#pragma once

#include <QSslCertificate>
#include <QCoroTask>
#include <QString>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;

namespace loopscope {

class CancelToken;

// How one HTTP attempt ended.
struct FetchOutcome {
    // Refused: the peer said no in a way another attempt will not change (a mail server's 5xx).
    enum class Kind { Ok, HttpError, NetworkError, Timeout, Cancelled, Refused };
    Kind kind = Kind::Ok;
    int httpStatus = 0;
    QUrl finalUrl;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QString error;

    // Worth another attempt: network trouble, a timeout, 5xx, 408 and 429.
    bool retryable() const;
};

struct FetchRequest {
    QUrl url;
    int timeoutMs = 30'000;
    int maxRedirects = 10;
    // Called as body bytes arrive: bytes so far, and the announced size (-1 unknown).
    std::function<void(qint64 received, qint64 total)> onProgress;
    QByteArray jsonBody; // non-empty: POST it as application/json instead of GET
    QList<QSslCertificate> extraCaCertificates;
};

// One GET (or JSON POST) on the worker loop. The body is counted and discarded as it arrives, so memory
// stays flat whatever the size. Cancelling the token or reaching the timeout aborts the
// reply at once; only http and https redirects are followed.
QCoro::Task<FetchOutcome> fetchOnce(QNetworkAccessManager &manager, FetchRequest request, CancelToken &token);

} // namespace loopscope
