#include "BatchLauncher.h"

#include "Engine.h"
#include "History.h"

#include <QCoroFuture>

namespace loopscope {

// Both coroutines copy what they use before their first co_await: the launcher may belong to
// a window that closes while they wait, while the engine and the history outlive it.

QCoro::Task<Result<BatchLauncher::Launched>> BatchLauncher::launch(QString name, QList<QByteArray> urls, BatchSettings settings, QList<TaskId> retryOf)
{
    Engine &engine = m_engine;
    History *history = m_history;
    if (!history)
        co_return Launched{engine.addBatch(BatchPlan{0, name, settings, urls, {}}), {}};
    const Result<BatchPlan> created = co_await history->createBatch(name, urls, settings, retryOf);
    if (!created)
        co_return created.failure();
    co_return Launched{engine.addBatch(*created), created->taskIds};
}

QCoro::Task<QList<BatchPlan>> BatchLauncher::resume(QList<BatchId> ids)
{
    Engine &engine = m_engine;
    History *history = m_history;
    if (!history)
        co_return {};
    const QList<BatchPlan> plans = co_await history->claim(ids);
    for (const BatchPlan &plan : plans)
        engine.addBatch(plan);
    co_return plans;
}

} // namespace loopscope
