#pragma once

#include <QByteArrayView>
#include <QDateTime>

#include <optional>

namespace loopscope {

// The longest wait a server's Retry-After may ask for; beyond it the task fails instead.
inline constexpr int MaxRetryAfterMs = 60'000;

// The wait a Retry-After header value asks for, in delay-seconds ("120") or as an HTTP date
// (any of RFC 9110's three forms), measured from nowUtc; a date in the past asks for none.
// nullopt when the value is neither.
std::optional<qint64> retryAfterMs(QByteArrayView value, const QDateTime &nowUtc);

} // namespace loopscope
