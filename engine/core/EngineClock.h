#pragma once

#include <QDateTime>

namespace loopscope::EngineClock {

// Milliseconds on one process-wide monotonic clock: every task timestamp uses it, so
// durations never jump with the wall clock.
qint64 now();
// The same clock to the microsecond, for phases shorter than a millisecond.
double preciseNow();
// How long until a monotonic timestamp, 0 once it has passed ("retrying in 1.2 s").
qint64 msUntil(qint64 monotonicMs);
// The wall-clock time (UTC) of a monotonic timestamp, for records people read.
QDateTime toUtc(qint64 monotonicMs);

} // namespace loopscope::EngineClock
