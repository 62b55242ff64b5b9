#include "OverallProgress.h"

#include "Format.h"

#include <algorithm>

namespace loopscope {

OverallProgress::OverallProgress(const std::vector<BatchRecord> &batches)
{
    for (const BatchRecord &batch : batches) {
        for (int state = 0; state < TaskStateCount; ++state)
            m_counts[size_t(state)] += batch.counts[size_t(state)];
        m_unfinished += batch.total - batch.done();
        if (!batch.finished() && batch.firstStartedAt >= 0) {
            m_activeStart = m_activeStart < 0 ? batch.firstStartedAt : std::min(m_activeStart, batch.firstStartedAt);
            m_activeDone += batch.done();
        }
    }
}

QString OverallProgress::text(qint64 now) const
{
    QString text = tr("%1 queued · %2 running · %3 succeeded · %4 failed · %5 cancelled")
                       .arg(m_counts[0]).arg(m_counts[1]).arg(m_counts[2]).arg(m_counts[3]).arg(m_counts[4]);
    if (m_activeStart >= 0) {
        const qint64 elapsed = std::max<qint64>(now - m_activeStart, 1);
        text = tr("Active for %1 · %2 tasks/s · ").arg(formatSeconds(elapsed)).arg(m_activeDone * 1000.0 / elapsed, 0, 'f', 1) + text;
    }
    return text;
}

} // namespace loopscope
