#include "HistoryRecorder.h"

#include "HistoryDatabase.h"

namespace loopscope {

HistoryRecorder::HistoryRecorder(HistoryDatabase &db)
    : m_db(db)
{
}

void HistoryRecorder::record(const EngineUpdate &update)
{
    const Result<qsizetype> ends = m_db.record(update);
    // An update that wrote no task's end touched little of the database, and says nothing of
    // whether what failed works again.
    if (!ends)
        note(ends.failure());
    else if (*ends > 0)
        note({});
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
