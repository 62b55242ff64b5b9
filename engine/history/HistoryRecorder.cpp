#include "HistoryRecorder.h"

#include "HistoryDatabase.h"

namespace loopscope {

HistoryRecorder::HistoryRecorder(HistoryDatabase &db)
    : m_db(db)
{
}

void HistoryRecorder::record(const EngineUpdate &update)
{
    note(m_db.record(update));
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
