#include "Engine.h"

#include "BatchScheduler.h"
#include "LoopMonitor.h"
#include "UrlList.h"

using namespace Qt::StringLiterals;

namespace loopscope {

Engine::Engine(QObject *parent)
    : QObject(parent)
    , m_loop(std::make_unique<WorkerLoop>(u"loopscope worker loop"_s))
    , m_scheduler(new BatchScheduler)
    , m_loopMonitor(m_loop->watch(u"worker loop"_s))
{
    qRegisterMetaType<EngineUpdate>();
    qRegisterMetaType<LoopReport>();
    qRegisterMetaType<SlowCallback>();
    m_scheduler->moveToThread(m_loop->thread());
    connect(m_loop->thread(), &QThread::finished, m_scheduler, &QObject::deleteLater);
    observe(this, [this](const EngineUpdate &update) { Q_EMIT updated(update); });
}

Engine::~Engine()
{
    shutdown();
}

BatchId Engine::addBatch(const QString &name, const QList<QUrl> &urls, const BatchSettings &settings)
{
    return addBatch(BatchPlan{0, name, settings, encodedUrls(urls), {}});
}

BatchId Engine::addBatch(BatchPlan plan)
{
    number(plan);
    const BatchId id = plan.id;
    m_loop->post([scheduler = m_scheduler, plan = std::move(plan)] { scheduler->addBatch(plan); });
    return id;
}

QFuture<QList<TaskRecord>> Engine::addGatheredBatch(const QString &name, const QList<QUrl> &urls, const BatchSettings &settings)
{
    BatchPlan plan{0, name, settings, encodedUrls(urls), {}};
    number(plan);
    return m_loop->submit([scheduler = m_scheduler, plan = std::move(plan)] { return scheduler->addGatheredBatch(plan); });
}

void Engine::number(BatchPlan &plan)
{
    if (plan.id == 0)
        plan.id = m_nextBatch++;
    if (plan.taskIds.isEmpty()) {
        const TaskId first = m_nextTask.fetch_add(TaskId(plan.urls.size()));
        plan.taskIds.reserve(plan.urls.size());
        for (qsizetype i = 0; i < plan.urls.size(); ++i)
            plan.taskIds.append(first + TaskId(i));
    }
}

void Engine::cancelTask(TaskId id, CancelReason reason)
{
    m_loop->post([scheduler = m_scheduler, id, reason] { scheduler->cancelTask(id, reason); });
}

void Engine::cancelBatch(BatchId id, CancelReason reason)
{
    m_loop->post([scheduler = m_scheduler, id, reason] { scheduler->cancelBatch(id, reason); });
}

void Engine::cancelAll(CancelReason reason)
{
    m_loop->post([scheduler = m_scheduler, reason] { scheduler->cancelAll(reason); });
}

QFuture<BatchRecord> Engine::whenBatchFinished(BatchId id) const
{
    return m_loop->submit([scheduler = m_scheduler, id] { return scheduler->whenBatchFinished(id); });
}

QFuture<QList<TaskRecord>> Engine::tasks(BatchId id) const
{
    return m_loop->submit([scheduler = m_scheduler, id]() -> QCoro::Task<QList<TaskRecord>> {
        co_return scheduler->tasks(id);
    });
}

QFuture<QList<TaskRecord>> Engine::gather(BatchId id) const
{
    return m_loop->submit([scheduler = m_scheduler, id] { return scheduler->gather(id); });
}

void Engine::setQueuedTasksAnnounced(bool announced)
{
    m_loop->post([scheduler = m_scheduler, announced] { scheduler->setQueuedTasksAnnounced(announced); });
}

void Engine::setNotifications(const NotificationSettings &settings)
{
    m_loop->post([scheduler = m_scheduler, settings] { scheduler->setNotifications(settings); });
}

QFuture<QList<TaskRecord>> Engine::whenNotified(BatchId id) const
{
    return m_loop->submit([scheduler = m_scheduler, id] { return scheduler->whenNotified(id); });
}

void Engine::retryNotification(TaskId id)
{
    m_loop->post([scheduler = m_scheduler, id] { scheduler->retryNotification(id); });
}

QFuture<QString> Engine::sendTestNotification(const NotificationSettings &settings) const
{
    return m_loop->submit([scheduler = m_scheduler, settings] { return scheduler->sendTestNotification(settings); });
}

QMetaObject::Connection Engine::observe(QObject *context, std::function<void(const EngineUpdate &)> fn)
{
    const UpdatePublisher *publisher = &m_scheduler->publisher();
    return connect(publisher, &UpdatePublisher::updated, publisher, relayTo<EngineUpdate>(context, std::move(fn)),
                   Qt::DirectConnection);
}

QMetaObject::Connection Engine::observeLoopReports(QObject *context, std::function<void(const LoopReport &)> fn)
{
    return connect(m_loopMonitor, &LoopMonitor::reported, m_loopMonitor, relayTo<LoopReport>(context, std::move(fn)),
                   Qt::DirectConnection);
}

QMetaObject::Connection Engine::observeSlowCallbacks(QObject *context, std::function<void(const SlowCallback &)> fn)
{
    return connect(m_loopMonitor, &LoopMonitor::slowCallback, m_loopMonitor,
                   relayTo<SlowCallback>(context, std::move(fn)), Qt::DirectConnection);
}

void Engine::setSlowCallbackThreshold(int ms)
{
    m_loopMonitor->setThreshold(ms);
}

void Engine::shutdown()
{
    if (!m_loop)
        return;
    // Blocking here is brief: cancellation aborts every transfer at once.
    m_loop->runAndWait([scheduler = m_scheduler] { return scheduler->shutdown(); });
    m_loop.reset();
}

} // namespace loopscope
