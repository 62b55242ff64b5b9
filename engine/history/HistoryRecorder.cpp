#include "HistoryRecorder.h"

#include "HistoryDatabase.h"

#include <algorithm>

namespace loopscope {

HistoryRecorder::HistoryRecorder(HistoryDatabase &db)
    : m_db(db)
{
}

void HistoryRecorder::record(const EngineUpdate &update)
{
    const Result<> outcome = m_db.record(update);
    // Only task ends are written for tasks: an update without any that went through touched
    // little of the database, and says nothing of whether what failed works again.
    const bool wroteEnds = std::any_of(update.tasks.begin(), update.tasks.end(),
                                       [](const TaskRecord &task) { return isTerminal(task.state); });
    if (!outcome || wroteEnds)
        note(outcome);
}

void HistoryRecorder::note(const Result<> &outcome)
{
    if (outcome) {
        m_failing.clear();
        return;
    }
    if (outcome.error() == m_failing)
        return;
    m_failing = outcome.error();
    Q_EMIT failed(outcome.failure());
}

} // namespace loopscope
