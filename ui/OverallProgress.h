#pragma once

#include "BatchRecord.h"

#include <QCoreApplication>

#include <array>
#include <vector>

namespace loopscope {

// Counts over every batch: the status bar's summary, and how many tasks quitting or
// cancelling everything would stop.
class OverallProgress {
    Q_DECLARE_TR_FUNCTIONS(OverallProgress)
public:
    explicit OverallProgress(const std::vector<BatchRecord> &batches);

    int unfinished() const { return m_unfinished; }
    // "Active for 3.2 s · 12.5 tasks/s · 4 queued · 2 running · …"; the rate only while a batch runs.
    QString text(qint64 now) const;

private:
    std::array<int, TaskStateCount> m_counts{};
    int m_unfinished = 0;
    qint64 m_activeStart = -1; // when the earliest unfinished batch started; -1: none has
    int m_activeDone = 0;      // tasks those batches have finished
};

} // namespace loopscope
