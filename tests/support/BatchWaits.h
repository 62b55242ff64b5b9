#pragma once
// Waiting for the engine's batches in tests. Each returns a Result that names the batch when
// it did not finish in time; unwrap it with ASSIGN_OR_FAIL (support/Waits.h).
#include "Engine.h"
#include "support/Waits.h"

using namespace Qt::StringLiterals;

// The batch's record once every task of it has ended.
inline loopscope::Result<loopscope::BatchRecord> waitForBatch(const loopscope::Engine &engine, loopscope::BatchId id, int timeoutMs = 30'000)
{
    return resultWithin(engine.whenBatchFinished(id), timeoutMs, u"batch %1"_s.arg(id));
}

// The final records of a batch queued here, in the order of urls.
inline loopscope::Result<QList<loopscope::TaskRecord>> gatheredBatch(loopscope::Engine &engine, const QString &name,
                                                                     const QList<QUrl> &urls,
                                                                     const loopscope::BatchSettings &settings, int timeoutMs = 30'000)
{
    return resultWithin(engine.addGatheredBatch(name, urls, settings), timeoutMs, u"batch %1"_s.arg(name));
}

// The final record of a batch of one URL queued here.
inline loopscope::Result<loopscope::TaskRecord> gatheredTask(loopscope::Engine &engine, const QString &name, const QUrl &url,
                                                            const loopscope::BatchSettings &settings, int timeoutMs = 30'000)
{
    const loopscope::Result<QList<loopscope::TaskRecord>> tasks = gatheredBatch(engine, name, {url}, settings, timeoutMs);
    if (!tasks)
        return tasks.failure();
    if (tasks->size() != 1)
        return loopscope::Failure{loopscope::ErrorKind::Invalid, u"batch %1 has %2 tasks, not one"_s.arg(name).arg(tasks->size())};
    return tasks->first();
}
