#include "LagWindow.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace loopscope {

void LagWindow::add(qint64 atMs, double lagMs)
{
    m_samples.push_back({atMs, lagMs});
    while (!m_samples.empty() && m_samples.front().atMs < atMs - m_spanMs)
        m_samples.pop_front();
}

LagWindow::Stats LagWindow::stats() const
{
    Stats stats;
    stats.samples = int(m_samples.size());
    if (m_samples.empty())
        return stats;
    std::vector<double> lags;
    lags.reserve(m_samples.size());
    for (const Sample &sample : m_samples)
        lags.push_back(sample.lagMs);
    std::sort(lags.begin(), lags.end());
    const auto rank = [&lags](double fraction) {
        const size_t index = size_t(std::ceil(fraction * double(lags.size())));
        return lags[std::clamp<size_t>(index, 1, lags.size()) - 1];
    };
    stats.p50Ms = rank(0.50);
    stats.p99Ms = rank(0.99);
    stats.maxMs = lags.back();
    return stats;
}

} // namespace loopscope
