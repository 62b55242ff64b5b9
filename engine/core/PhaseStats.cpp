#include "PhaseStats.h"

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace loopscope {

QString PhaseStats::phaseName(Phase phase)
{
    switch (phase) {
    case Dns:
        return u"dns"_s;
    case Connect:
        return u"connect"_s;
    case Tls:
        return u"tls"_s;
    case FirstByte:
        return u"first byte"_s;
    case Transfer:
        return u"transfer"_s;
    case Total:
        return u"total"_s;
    case PhaseCount:
        break;
    }
    return {};
}

void PhaseStats::add(const TaskSpan &task)
{
    for (const TaskSpan::Attempt &attempt : task.attempts) {
        ++m_attempts;
        ++m_statuses[attempt.httpStatus];
        if (attempt.errorKind != ErrorKind::None)
            ++m_errors[errorKindName(attempt.errorKind)];
        const AttemptTimings &t = attempt.timings;
        if (!t.known())
            continue;
        // libcurl's times are cumulative from the attempt's start: each phase is the step from
        // the one before it. A reused connection spends nothing connecting.
        const auto record = [this](Phase phase, double from, double to) {
            if (from >= 0 && to >= from) {
                m_durations[phase].push_back(float(to - from));
                m_sorted[phase] = false;
            }
        };
        record(Dns, 0, t.dnsMs);
        record(Connect, t.dnsMs, t.connectMs);
        if (t.tlsMs > t.connectMs)
            record(Tls, t.connectMs, t.tlsMs);
        record(FirstByte, std::max(t.tlsMs, t.connectMs), t.ttfbMs);
        record(Transfer, t.ttfbMs, t.totalMs);
        record(Total, 0, t.totalMs);
    }
}

PhaseStats::Summary PhaseStats::summary(Phase phase) const
{
    std::vector<float> &values = m_durations[phase];
    Summary summary;
    summary.count = qsizetype(values.size());
    if (values.empty())
        return summary;
    if (!m_sorted[phase]) {
        std::sort(values.begin(), values.end());
        m_sorted[phase] = true;
    }
    const auto rank = [&values](double fraction) {
        const size_t index = size_t(std::ceil(fraction * double(values.size())));
        return double(values[std::clamp<size_t>(index, 1, values.size()) - 1]);
    };
    summary.p50 = rank(0.50);
    summary.p90 = rank(0.90);
    summary.p99 = rank(0.99);
    summary.max = double(values.back());
    return summary;
}

} // namespace loopscope
