#include "BatchLauncher.h"

#include "Engine.h"
#include "History.h"

#include <QCoroFuture>

namespace loopscope {

QCoro::Task<BatchLauncher::Launched> BatchLauncher::launch(QString name, QList<QUrl> urls, BatchSettings settings, QList<TaskId> retryOf)
{
    if (!m_history)
        co_return Launched{m_engine.addBatch(name, urls, settings), {}, {}};
    const History::Created created = co_await m_history->createBatch(name, urls, settings, retryOf);
    if (!created.plan)
        co_return Launched{0, created.error, {}};
    co_return Launched{m_engine.addBatch(*created.plan), {}, created.plan->taskIds};
}

QCoro::Task<QList<BatchPlan>> BatchLauncher::resume(QList<BatchId> ids)
{
    if (!m_history)
        co_return {};
    const QList<BatchPlan> plans = co_await m_history->claim(ids);
    for (const BatchPlan &plan : plans)
        m_engine.addBatch(plan);
    co_return plans;
}

} // namespace loopscope
