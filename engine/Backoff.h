#pragma once

#include <QByteArrayView>
#include <QDateTime>
#include <QCoroTask>

#include <optional>

namespace loopscope {

class CancelToken;

// Exponential backoff with jitter: 0.5 s, 1 s, 2 s … capped at 30 s, each drawn from its
// upper half so that many tasks failing together do not retry together.
int backoffMs(int attempt);

// The longest wait a server's Retry-After may ask for; beyond it the task fails instead.
inline constexpr int MaxRetryAfterMs = 60'000;

// The wait a Retry-After header value asks for, in delay-seconds ("120") or as an HTTP date
// (any of RFC 9110's three forms), measured from nowUtc; a date in the past asks for none.
// nullopt when the value is neither.
std::optional<qint64> retryAfterMs(QByteArrayView value, const QDateTime &nowUtc);

// A wait that ends early when the token is cancelled.
QCoro::Task<> waitUnlessCancelled(int ms, CancelToken &token);

} // namespace loopscope
