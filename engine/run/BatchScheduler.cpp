#include "BatchScheduler.h"

#include "AttemptLoop.h"
#include "CancelToken.h"
#include "EngineClock.h"
#include "LoopMonitor.h"
#include "TaskEnd.h"
#include "Wakeup.h"

#include <QLoggingCategory>
#include <QCoroFuture>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcEngine, "loopscope.engine", QtInfoMsg)

namespace loopscope {

BatchScheduler::BatchScheduler()
    : m_publisher(this) // a child, so it moves to the worker thread with the scheduler
    , m_notifications(m_http, [this](const QUrl &target) { return queueNotificationTask(target); })
{
    connect(&m_publisher, &UpdatePublisher::finishedBatchPublished, this, &BatchScheduler::finishedBatchPublished);
}

BatchScheduler::~BatchScheduler()
{
    Q_ASSERT(m_running == 0);
}

void BatchScheduler::addBatch(const BatchPlan &plan, TaskId appendFrom)
{
    Q_ASSERT(QThread::currentThread() == thread());
    const LoopMonitor::Activity activity("BatchScheduler::addBatch");
    dispatch(admit(plan, appendFrom));
}

QCoro::Task<QList<TaskRecord>> BatchScheduler::addGatheredBatch(BatchPlan plan)
{
    Q_ASSERT(QThread::currentThread() == thread());
    Batch &batch = admit(plan, 0);
    const QFuture<QList<TaskRecord>> gathered = startGathering(batch);
    dispatch(batch);
    co_return co_await gathered;
}

BatchScheduler::Batch &BatchScheduler::admit(const BatchPlan &plan, TaskId appendFrom)
{
    Batch &batch = m_batches[plan.id];
    batch.run = std::make_unique<BatchRun>(plan, EngineClock::now(), appendFrom);
    if (!m_announceQueued)
        batch.run->leaveQueuedUnannounced();
    batch.finished.start();
    if (plan.settings.limitRate > 0)
        batch.rateLimit = std::make_unique<RateLimit>(plan.settings.limitRate);
    limitConnections();
    m_batchByFirstTask.emplace(batch.run->record().firstTask, plan.id);
    qCDebug(lcEngine) << "batch" << plan.id << plan.name << "with" << plan.urls.size() << "tasks";
    m_publisher.add(*batch.run);
    return batch;
}

void BatchScheduler::dispatch(Batch &batch)
{
    // runTask() starts eagerly; should a task end before its first suspension, its own call
    // here only asks the loop below to look again instead of recursing.
    if (m_dispatching) {
        m_dispatchAgain = true;
        return;
    }
    m_dispatching = true;
    BatchRun &run = *batch.run;
    const auto stillQueued = [&run](int index) { return run.state(index) == TaskState::Queued; };
    do {
        m_dispatchAgain = false;
        for (int worker = run.freeWorker(); worker >= 0; worker = run.freeWorker()) {
            const auto next = run.queue().take(stillQueued);
            if (!next)
                break;
            if (!run.move(next->task, TaskState::Running, EngineClock::now())) {
                // take() hands out queued tasks only, and only a queued task may start.
                qCCritical(lcEngine) << "task" << run.id(next->task) << "was handed out but cannot start";
                run.queue().release(next->host);
                continue;
            }
            runTask(batch, next->task, next->host, worker);
        }
    } while (m_dispatchAgain);
    run.setBlocked(run.freeWorker() >= 0 ? run.queue().blocked() : HostQueue::Blocked{});
    m_dispatching = false;
}

QCoro::Task<> BatchScheduler::runTask(Batch &batch, int index, QString host, int worker)
{
    BatchRun &run = *batch.run;
    TaskRecord &task = run.task(index);
    const BatchSettings settings = run.record().settings;
    const bool notifies = run.record().kind == BatchKind::Notifications;
    CancelToken token;
    run.occupy(worker, &token, index);
    ++m_running;
    task.worker = run.workerName(worker);
    const std::function<void()> touched = [this, &run, index] {
        run.touch(index);
        m_publisher.changed();
    };
    touched();

    FetchRequest request;
    request.url = task.url;
    request.timeoutMs = settings.timeoutMs;
    request.onProgress = [&task, &touched](qint64 received, qint64 total) {
        task.bytesReceived = received;
        task.bytesTotal = total;
        touched();
    };
    request.extraCaCertificates = settings.caCertificates;
    request.idleTimeoutMs = settings.idleTimeoutMs;
    request.maxBytes = settings.maxBytes;
    request.proxy = settings.proxy;
    request.http11 = settings.http11;
    request.rateLimit = batch.rateLimit.get();
    request.task = task.id;
    const Attempt attempt = [&](CancelToken &attemptToken) {
        return notifies ? m_notifications.deliver(task.id, settings.timeoutMs, attemptToken)
                        : m_http.attempt(request, settings.outputDir, settings.overwrite, task.id, attemptToken);
    };
    const FetchOutcome outcome = co_await attemptUntilSettled(task, settings.retries, token, attempt, touched);

    task.httpStatus = outcome.httpStatus;
    task.finalUrl = outcome.finalUrl;
    task.responseHeaders = outcome.headers;
    task.savedPath = outcome.savedPath;
    task.timings = outcome.timings;
    task.note = outcome.note;
    const TaskEnd end = finishTask(outcome, token.reason());
    task.cancelReason = end.cancelReason;
    task.error = end.error;
    task.errorKind = end.errorKind;
    if (!run.move(index, end.state, EngineClock::now()))
        qCCritical(lcEngine) << "task" << task.id << "cannot move from" << stateName(task.state) << "to" << stateName(end.state);
    run.vacate(worker);
    // What the host answered slows it down or lets it grow back, for the tasks after this one.
    if (!notifies) {
        const qint64 now = EngineClock::now();
        for (const AttemptRecord &attempt : std::as_const(task.attemptLog))
            run.queue().answered(host, attempt.httpStatus, now);
        run.setSlowedHosts(run.queue().slowedHosts());
    }
    run.queue().release(host);
    --m_running;
    publishChanges(run);
    if (notifies)
        m_notifications.taskEnded(task);
    dispatch(batch);
    if (m_running == 0 && m_idle && !m_idle->future().isFinished())
        m_idle->finish();
}

void BatchScheduler::finishedBatchPublished(BatchId id)
{
    const auto it = m_batches.find(id);
    if (it == m_batches.end())
        return;
    Batch &batch = it->second;
    const BatchRecord record = batch.run->record();
    if (record.kind == BatchKind::Notifications) {
        // The standing batch of notifications is never let go: more may come at any time.
        batch.finished.addResult(record);
        batch.finished.finish();
        return;
    }
    QList<TaskRecord> failed;
    for (int index = 0; index < batch.run->size(); ++index) {
        if (batch.run->state(index) == TaskState::Failed)
            failed.append(batch.run->task(index));
    }
    // Queued before the waiters hear of the end, so that whenNotified() finds them.
    if (!m_shuttingDown) {
        m_notifications.batchEnded(record, failed);
        if (const auto notifications = m_batches.find(NotificationBatchId); notifications != m_batches.end())
            dispatch(notifications->second);
    }
    batch.finished.addResult(record);
    batch.finished.finish();
    if (batch.gathered) {
        batch.gathered->addResult(batch.run->records());
        batch.gathered->finish();
    }
    m_finished.emplace(id, record);
    m_finishedOrder.push_back(id);
    if (m_finishedOrder.size() > KeptFinishedBatches) {
        m_finished.erase(m_finishedOrder.front());
        m_finishedOrder.pop_front();
    }
    m_publisher.remove(id);
    m_batchByFirstTask.erase(record.firstTask);
    m_batches.erase(it);
    limitConnections();
}

void BatchScheduler::limitConnections()
{
    // The batches' own limits decide how many tasks run; curl gets room for all of them, and
    // for no more than that even when HTTP/2 lets it multiplex.
    int perHost = 0;
    int total = 0;
    for (const auto &[id, batch] : m_batches) {
        perHost = std::max(perHost, batch.run->record().settings.hostLimit());
        total += batch.run->record().settings.concurrency;
    }
    m_http.setConnectionLimits(perHost, total);
}

TaskId BatchScheduler::queueNotificationTask(const QUrl &target)
{
    auto it = m_batches.find(NotificationBatchId);
    if (it == m_batches.end()) {
        // Two at a time (an e-mail and a webhook); a webhook gets three more tries on 5xx and
        // network errors.
        const BatchPlan plan{NotificationBatchId, u"Notifications"_s, BatchSettings{2, 2, 60'000, 3}, {}, {},
                             BatchKind::Notifications};
        addBatch(plan, FirstNotificationTaskId);
        it = m_batches.find(NotificationBatchId);
    }
    BatchRun &run = *it->second.run;
    const int index = run.append(target, EngineClock::now());
    m_publisher.changed();
    return run.id(index); // dispatched by the caller, once the task's notification is known
}

void BatchScheduler::retryNotification(TaskId id)
{
    Batch *batch = batchOfTask(id);
    if (!batch || batch->run->record().kind != BatchKind::Notifications)
        return;
    if (m_notifications.retry(batch->run->task(batch->run->indexOf(id))))
        dispatch(*batch);
}

void BatchScheduler::setNotifications(const NotificationSettings &settings)
{
    m_notifications.setSettings(settings);
}

QCoro::Task<QList<TaskRecord>> BatchScheduler::whenNotified(BatchId source)
{
    // Notifications are queued as the batch is announced finished; only then is it known
    // whether any are due.
    co_await whenBatchFinished(source);
    co_return co_await m_notifications.whenNotified(source);
}

QCoro::Task<QString> BatchScheduler::sendTestNotification(NotificationSettings settings)
{
    co_return co_await m_notifications.sendTest(std::move(settings));
}

BatchScheduler::Batch *BatchScheduler::batchOfTask(TaskId id)
{
    auto it = m_batchByFirstTask.upper_bound(id);
    if (it == m_batchByFirstTask.begin())
        return nullptr;
    --it;
    Batch &batch = m_batches.at(it->second);
    return batch.run->indexOf(id) >= 0 ? &batch : nullptr;
}

void BatchScheduler::publishChanges(const BatchRun &run)
{
    if (run.record().finished())
        m_publisher.batchFinished();
    else
        m_publisher.changed();
}

void BatchScheduler::cancelQueued(BatchRun &run, int index, CancelReason reason)
{
    if (!run.cancelQueued(index, reason, EngineClock::now()))
        qCCritical(lcEngine) << "queued task" << run.id(index) << "cannot be cancelled from" << stateName(run.state(index));
}

void BatchScheduler::cancelTask(TaskId id, CancelReason reason)
{
    Batch *batch = batchOfTask(id);
    if (!batch)
        return;
    BatchRun &run = *batch->run;
    const int index = run.indexOf(id);
    if (run.state(index) == TaskState::Queued) {
        cancelQueued(run, index, reason);
        publishChanges(run);
        return;
    }
    for (const auto &[token, task] : run.workers()) {
        if (token && task == index)
            token->cancel(reason); // the task's coroutine aborts its attempt and records the end
    }
}

void BatchScheduler::cancelBatch(BatchId id, CancelReason reason)
{
    auto it = m_batches.find(id);
    if (it == m_batches.end())
        return;
    BatchRun &run = *it->second.run;
    // Queued tasks first, so that no worker freed by an abort picks one of them up.
    run.queue().clear();
    for (int index = 0; index < run.size(); ++index) {
        if (run.state(index) == TaskState::Queued)
            cancelQueued(run, index, reason);
    }
    publishChanges(run);
    for (const auto &[token, task] : run.workers()) {
        if (token)
            token->cancel(reason);
    }
}

void BatchScheduler::cancelAll(CancelReason reason)
{
    for (auto &[id, batch] : m_batches)
        cancelBatch(id, reason);
}

QCoro::Task<BatchRecord> BatchScheduler::whenBatchFinished(BatchId id)
{
    if (const auto finished = m_finished.find(id); finished != m_finished.end())
        co_return finished->second;
    const auto it = m_batches.find(id);
    if (it == m_batches.end())
        co_return BatchRecord{};
    // The batch may be gone by the time this resumes: only the future's result is used.
    const QFuture<BatchRecord> finished = it->second.finished.future();
    co_return co_await finished;
}

QList<TaskRecord> BatchScheduler::tasks(BatchId id) const
{
    const auto it = m_batches.find(id);
    if (it == m_batches.end())
        return {};
    return it->second.run->records();
}

QCoro::Task<QList<TaskRecord>> BatchScheduler::gather(BatchId id)
{
    const auto it = m_batches.find(id);
    if (it == m_batches.end())
        co_return QList<TaskRecord>{};
    const QFuture<QList<TaskRecord>> gathered = startGathering(it->second);
    co_return co_await gathered;
}

QFuture<QList<TaskRecord>> BatchScheduler::startGathering(Batch &batch)
{
    if (!batch.gathered) {
        batch.gathered.emplace();
        batch.gathered->start();
        batch.run->keepEndedRecords();
    }
    return batch.gathered->future();
}

QCoro::Task<> BatchScheduler::shutdown()
{
    m_shuttingDown = true;
    cancelAll(CancelReason::Shutdown);
    if (m_running > 0) {
        m_idle.emplace();
        m_idle->start();
        const QFuture<void> idle = m_idle->future();
        co_await idle;
    }
    m_publisher.flushAll();
    // Whoever awaits a batch resumes from an event posted as it finished; give those events
    // their turn before the loop stops, or the waiters would never hear the end.
    Wakeup turn;
    QMetaObject::invokeMethod(&turn, &Wakeup::fire, Qt::QueuedConnection);
    co_await turn.next();
}

} // namespace loopscope
