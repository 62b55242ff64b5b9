#include "EngineClock.h"

#include <QElapsedTimer>

#include <algorithm>

namespace loopscope::EngineClock {

namespace {
struct Origin {
    QElapsedTimer monotonic;
    QDateTime wall;
    Origin() : wall(QDateTime::currentDateTimeUtc()) { monotonic.start(); }
};

const Origin &origin()
{
    static const Origin instance;
    return instance;
}
} // namespace

qint64 now()
{
    return origin().monotonic.elapsed();
}

double preciseNow()
{
    return double(origin().monotonic.nsecsElapsed()) / 1e6;
}

qint64 msUntil(qint64 monotonicMs)
{
    return std::max(qint64(0), monotonicMs - now());
}

QDateTime toUtc(qint64 monotonicMs)
{
    return origin().wall.addMSecs(monotonicMs);
}

} // namespace loopscope::EngineClock
