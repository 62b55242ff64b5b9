#include "RateLimit.h"

#include <algorithm>
#include <cmath>

namespace loopscope {

namespace {
// The most credit saved up while idle: a tenth of a second's worth, so that a pause does not
// turn into a burst far above the limit.
constexpr double BurstSeconds = 0.1;
} // namespace

RateLimit::RateLimit(qint64 bytesPerSecond)
    : m_rate(std::max<qint64>(1, bytesPerSecond))
    , m_credit(double(m_rate) * BurstSeconds)
{
    m_clock.start();
}

void RateLimit::refill()
{
    const qint64 now = m_clock.nsecsElapsed();
    m_credit = std::min(m_credit + double(now - m_lastNs) * 1e-9 * double(m_rate), double(m_rate) * BurstSeconds);
    m_lastNs = now;
}

bool RateLimit::take(qint64 bytes)
{
    refill();
    if (m_credit <= 0)
        return false;
    m_credit -= double(bytes);
    return true;
}

int RateLimit::waitMs() const
{
    const double owed = std::max(0.0, -m_credit);
    return std::max(1, int(std::ceil(owed * 1000.0 / double(m_rate))));
}

} // namespace loopscope
