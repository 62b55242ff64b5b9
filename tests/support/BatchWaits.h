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

// The final records of the batch's tasks, in the order they were queued. Ask while the batch
// runs: the engine lets its tasks go as it ends.
inline loopscope::Result<QList<loopscope::TaskRecord>> finishedTasks(const loopscope::Engine &engine, loopscope::BatchId id,
                                                                     int timeoutMs = 30'000)
{
    return resultWithin(engine.gather(id), timeoutMs, u"batch %1"_s.arg(id));
}

// The final record of a batch of one URL.
inline loopscope::Result<loopscope::TaskRecord> finishedTask(const loopscope::Engine &engine, loopscope::BatchId id, int timeoutMs = 30'000)
{
    const loopscope::Result<QList<loopscope::TaskRecord>> tasks = finishedTasks(engine, id, timeoutMs);
    if (!tasks)
        return tasks.failure();
    if (tasks->size() != 1)
        return loopscope::Failure{loopscope::ErrorKind::Invalid, u"batch %1 has %2 tasks, not one"_s.arg(id).arg(tasks->size())};
    return tasks->first();
}
