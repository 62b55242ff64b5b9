#pragma once

#include "BatchRecord.h"
#include "Result.h"

#include <QCoroTask>

namespace loopscope {

class Engine;
class History;

// Queues batches on the engine, through the history when there is one: a batch is written
// there first and then runs under its recorded ids, so no task ever lives only in memory.
class BatchLauncher {
public:
    BatchLauncher(Engine &engine, History *history)
        : m_engine(engine)
        , m_history(history)
    {
    }

    struct Launched {
        BatchId id = 0;
        QList<TaskId> taskIds; // in the order of the URLs (when recorded)
    };
    // retryOf, when given, names the task each URL retries. A failure is the history's: the
    // batch was not queued.
    QCoro::Task<Result<Launched>> launch(QString name, QList<QByteArray> urls, BatchSettings settings, QList<TaskId> retryOf = {});
    // Takes over batches a process that is gone left unfinished and queues their unfinished
    // tasks; returns the plans queued (another process may have taken some first).
    QCoro::Task<QList<BatchPlan>> resume(QList<BatchId> ids);

    History *history() const { return m_history; }

private:
    Engine &m_engine;
    History *m_history;
};

} // namespace loopscope
