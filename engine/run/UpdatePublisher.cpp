#include "UpdatePublisher.h"

#include "BatchRun.h"

#include <algorithm>
#include <vector>

namespace loopscope {

UpdatePublisher::UpdatePublisher(QObject *parent)
    : QObject(parent)
    , m_timer(this) // a child, so it moves threads with the publisher
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &UpdatePublisher::flush);
}

void UpdatePublisher::add(BatchRun &run)
{
    m_runs.emplace(run.record().id, &run);
    changed();
}

void UpdatePublisher::remove(BatchId id)
{
    m_runs.erase(id);
    m_announced.erase(id);
}

void UpdatePublisher::changed()
{
    // The first change after a quiet spell goes out on the next turn of the loop: a batch's
    // start and end are seen at once. Changes within FlushIntervalMs of a delivery wait for
    // the rest of it, and go together.
    if (m_timer.isActive())
        return;
    const qint64 since = m_sinceFlush.isValid() ? m_sinceFlush.elapsed() : FlushIntervalMs;
    m_timer.start(int(std::max<qint64>(0, FlushIntervalMs - since)));
}

void UpdatePublisher::batchFinished()
{
    m_timer.start(0);
}

void UpdatePublisher::flushAll()
{
    do
        flush();
    while (m_timer.isActive());
}

void UpdatePublisher::flush()
{
    m_timer.stop();
    m_sinceFlush.start();
    EngineUpdate update;
    for (const auto &[id, run] : m_runs)
        run->takeChanges(update, MaxTasksPerUpdate - update.tasks.size());
    if (!update.batches.isEmpty())
        Q_EMIT updated(update);
    bool more = false;
    std::vector<BatchId> published;
    for (const auto &[id, run] : m_runs) {
        more |= run->hasChanges();
        // Anyone waiting on a batch hears it is done only after its final records went out.
        if (run->record().finished() && !run->hasChanges() && m_announced.insert(id).second)
            published.push_back(id);
    }
    for (const BatchId id : published)
        Q_EMIT finishedBatchPublished(id);
    if (more)
        m_timer.start(FlushIntervalMs);
}

} // namespace loopscope
