#pragma once

#include "TaskSpan.h"

#include <QString>

#include <array>
#include <map>
#include <vector>

namespace loopscope {

// Where the time of many attempts went, phase by phase: how long each took (resolving the
// name, connecting, the TLS handshake, waiting for the first byte, receiving the rest, and all
// of it) as distributions with their percentiles, and how the attempts ended: by HTTP status
// and by kind of error.
class PhaseStats {
public:
    enum Phase { Dns, Connect, Tls, FirstByte, Transfer, Total, PhaseCount };
    static QString phaseName(Phase phase); // "dns", "connect", "tls", "first byte", "transfer", "total"

    struct Summary {
        qsizetype count = 0;
        double p50 = 0, p90 = 0, p99 = 0, max = 0; // milliseconds
    };

    // Every attempt of the task that libcurl timed.
    void add(const TaskSpan &task);

    qsizetype attempts() const { return m_attempts; }
    // Milliseconds each timed attempt spent in the phase; TLS only where there was a handshake.
    const std::vector<float> &durations(Phase phase) const { return m_durations[phase]; }
    Summary summary(Phase phase) const;
    const std::map<int, int> &statusCounts() const { return m_statuses; }      // 0: no response
    const std::map<QString, int> &errorCounts() const { return m_errors; }     // by errorKindName()

private:
    mutable std::array<std::vector<float>, PhaseCount> m_durations; // sorted when first summarised
    mutable std::array<bool, PhaseCount> m_sorted{};
    std::map<int, int> m_statuses;
    std::map<QString, int> m_errors;
    qsizetype m_attempts = 0;
};

} // namespace loopscope
