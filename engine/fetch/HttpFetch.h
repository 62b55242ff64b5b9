#pragma once

#include "ErrorKind.h"
#include "TaskRecord.h"

#include <QSslCertificate>
#include <QCoroTask>
#include <QString>
#include <QUrl>

#include <functional>
#include <optional>

namespace loopscope {

class CancelToken;
class CurlMulti;
class DiskWriter;
class RateLimit;

// How one HTTP attempt ended.
struct FetchOutcome {
    ErrorKind kind = ErrorKind::None;
    int httpStatus = 0;
    QUrl finalUrl;
    QByteArray headers; // of the final response: "Name: value\n" each, as received
    QString error;
    std::optional<qint64> retryAfterMs; // the wait the response's Retry-After asked for
    QString savedPath; // where the body was saved, when it was
    AttemptTimings timings;
    QString note; // what a success adds: "length not announced", "resumed at 1,024 bytes"

    // Worth another attempt: a timeout, a refused or broken connection, other network trouble,
    // 5xx, 408 and 429, a mail server's 4xx; not when the server asked to wait longer than MaxRetryAfterMs.
    bool retryable() const;
};

struct FetchRequest {
    QUrl url;
    TaskId task = 0; // whose attempt this is: names its work when it holds the loop too long
    int timeoutMs = 30'000; // the whole attempt; 0: no limit
    int maxRedirects = 10;
    // Called as body bytes arrive: bytes so far, and the announced size (-1 unknown).
    std::function<void(qint64 received, qint64 total)> onProgress;
    QByteArray jsonBody; // non-empty: POST it as application/json instead of GET
    QList<QSslCertificate> extraCaCertificates;
    int idleTimeoutMs = 15'000; // the longest time without receiving anything; 0: no limit
    qint64 maxBytes = 0;        // the largest body accepted, after decompression; 0: no limit
    DiskWriter *body = nullptr; // set: a successful response's body is saved through it
    QString proxy;              // empty: the one the environment names for the URL, if any
    bool http11 = false;        // never HTTP/2, not even over TLS
    RateLimit *rateLimit = nullptr; // shared by the attempts whose bytes it limits
    // Above 0: the body's first bytes are in body's part file already; ask for the rest if the
    // body is still the one ifRange (its ETag or Last-Modified) names.
    qint64 resumeFrom = 0;
    QByteArray ifRange;
};

// One GET (or JSON POST) on the worker loop, through libcurl. The body is counted and discarded
// as it arrives, or streamed to disk through request.body (the transfer pauses while the disk
// lags behind), so memory stays flat whatever the size; a saved body gets its final name only
// once complete. Cancelling the token, reaching a timeout or exceeding the size limit stops
// the transfer in the same turn of the loop; only http and https redirects are followed, and
// never from https to http; a body that decompresses into far more than it was is stopped as a
// decompression bomb. A body shorter than its Content-Length or chunked framing says, or one
// ended by a reset, is a failure. A failed attempt's error says what happened in words and its
// kind says it as a category. A resumed body goes on from request.resumeFrom on a 206 whose
// Content-Range starts there; any other success replaces the part with the whole body.
QCoro::Task<FetchOutcome> fetchOnce(CurlMulti &multi, FetchRequest request, CancelToken &token);

} // namespace loopscope
