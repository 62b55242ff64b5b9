#include "FetchScheduler.h"

#include "CancelToken.h"
#include "EngineClock.h"
#include "HttpFetch.h"

#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QCoroFuture>
#include <QCoroTimer>

#include <algorithm>

Q_LOGGING_CATEGORY(lcEngine, "loopscope.engine", QtInfoMsg)

namespace loopscope {

namespace {
// Exponential backoff with jitter: 0.5 s, 1 s, 2 s … capped at 30 s, each drawn from its
// upper half so that many tasks failing together do not retry together.
int backoffMs(int attempt)
{
    const int ceiling = std::min(30'000, 500 << std::min(attempt, 6));
    return ceiling / 2 + int(QRandomGenerator::global()->bounded(ceiling / 2 + 1));
}

// A wait that ends early when the token is cancelled.
QCoro::Task<> waitUnlessCancelled(int ms, CancelToken &token)
{
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&token, &CancelToken::cancelled, &timer, [&timer] { timer.start(0); });
    timer.start(token.isCancelled() ? 0 : ms);
    co_await qCoro(timer).waitForTimeout();
}
} // namespace

FetchScheduler::FetchScheduler()
    : m_flushTimer(this) // a child, so it moves to the worker thread with the scheduler
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(FlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &FetchScheduler::flush);
}

FetchScheduler::~FetchScheduler()
{
    Q_ASSERT(m_running == 0);
}

void FetchScheduler::addBatch(BatchId id, const QString &name, const BatchSettings &settings, TaskId firstTask,
                              const QList<QUrl> &urls)
{
    Q_ASSERT(QThread::currentThread() == thread());
    Batch &batch = m_batches[id];
    batch.run = std::make_unique<BatchRun>(id, name, settings, firstTask, urls, EngineClock::now());
    batch.finished.start();
    m_batchByFirstTask.emplace(firstTask, id);
    qCDebug(lcEngine) << "batch" << id << name << "with" << urls.size() << "tasks";
    changed();
    dispatch(batch);
}

void FetchScheduler::dispatch(Batch &batch)
{
    // runTask() starts eagerly; should a task end before its first suspension, its own call
    // here only asks the loop below to look again instead of recursing.
    if (m_dispatching) {
        m_dispatchAgain = true;
        return;
    }
    m_dispatching = true;
    BatchRun &run = *batch.run;
    const auto stillQueued = [&run](int index) { return run.task(index).state == TaskState::Queued; };
    do {
        m_dispatchAgain = false;
        for (int worker = run.freeWorker(); worker >= 0; worker = run.freeWorker()) {
            const auto next = run.queue().take(stillQueued);
            if (!next)
                break;
            runTask(batch, next->task, next->host, worker);
        }
    } while (m_dispatchAgain);
    m_dispatching = false;
}

QCoro::Task<> FetchScheduler::runTask(Batch &batch, int index, QString host, int worker)
{
    BatchRun &run = *batch.run;
    TaskRecord &task = run.task(index);
    const BatchSettings settings = run.record().settings;
    CancelToken token;
    run.occupy(worker, &token, index);
    ++m_running;
    task.worker = BatchRun::workerName(worker);
    run.move(index, TaskState::Running, EngineClock::now());
    changed();

    FetchRequest request{task.url, settings.timeoutMs, 10, [&](qint64 received, qint64 total) {
                             task.bytesReceived = received;
                             task.bytesTotal = total;
                             run.touch(index);
                             changed();
                         }};
    FetchOutcome outcome;
    for (int attempt = 0;; ++attempt) {
        task.attempts = attempt + 1;
        task.bytesReceived = 0;
        run.touch(index);
        {
            const ManagerPool::Lease lease = m_pool.acquire();
            outcome = co_await fetchOnce(lease.manager(), request, token);
        }
        if (token.isCancelled() || !outcome.retryable() || attempt >= settings.retries)
            break;
        task.error = outcome.error + QStringLiteral(" (retrying)");
        run.touch(index);
        changed();
        co_await waitUnlessCancelled(backoffMs(attempt), token);
        if (token.isCancelled()) {
            outcome.kind = FetchOutcome::Kind::Cancelled;
            break;
        }
    }

    task.httpStatus = outcome.httpStatus;
    task.finalUrl = outcome.finalUrl;
    task.responseHeaders = outcome.headers;
    TaskState end = TaskState::Succeeded;
    if (outcome.kind == FetchOutcome::Kind::Cancelled || token.isCancelled()) {
        end = TaskState::Cancelled;
        task.cancelReason = token.reason();
        task.error = cancelReasonText(token.reason());
    } else if (outcome.kind != FetchOutcome::Kind::Ok) {
        end = TaskState::Failed;
        task.error = outcome.error;
    } else {
        task.error.clear();
    }
    run.move(index, end, EngineClock::now());
    run.vacate(worker);
    run.queue().release(host);
    --m_running;
    changed();
    dispatch(batch);
    if (m_running == 0 && m_idle && !m_idle->future().isFinished())
        m_idle->finish();
}

void FetchScheduler::changed()
{
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void FetchScheduler::flush()
{
    m_flushTimer.stop();
    EngineUpdate update;
    for (auto &[id, batch] : m_batches)
        batch.run->takeChanges(update, MaxTasksPerUpdate - update.tasks.size());
    if (!update.batches.isEmpty())
        Q_EMIT updated(update);
    bool more = false;
    for (auto &[id, batch] : m_batches) {
        more |= batch.run->hasChanges();
        // Anyone waiting on a batch hears it is done only after its final records went out.
        if (batch.run->record().finished() && !batch.run->hasChanges() && !batch.finished.future().isFinished())
            batch.finished.finish();
    }
    if (more)
        m_flushTimer.start();
}

FetchScheduler::Batch *FetchScheduler::batchOfTask(TaskId id)
{
    auto it = m_batchByFirstTask.upper_bound(id);
    if (it == m_batchByFirstTask.begin())
        return nullptr;
    --it;
    Batch &batch = m_batches.at(it->second);
    return id - it->first < TaskId(batch.run->size()) ? &batch : nullptr;
}

void FetchScheduler::cancelQueued(BatchRun &run, int index, CancelReason reason)
{
    TaskRecord &task = run.task(index);
    task.cancelReason = reason;
    task.error = cancelReasonText(reason);
    run.move(index, TaskState::Cancelled, EngineClock::now());
}

void FetchScheduler::cancelTask(TaskId id, CancelReason reason)
{
    Batch *batch = batchOfTask(id);
    if (!batch)
        return;
    BatchRun &run = *batch->run;
    const int index = int(id - run.firstTask());
    if (run.task(index).state == TaskState::Queued) {
        cancelQueued(run, index, reason);
        changed();
        return;
    }
    for (const auto &[token, task] : run.workers()) {
        if (token && task == index)
            token->cancel(reason); // the task's coroutine aborts its reply and records the end
    }
}

void FetchScheduler::cancelBatch(BatchId id, CancelReason reason)
{
    auto it = m_batches.find(id);
    if (it == m_batches.end())
        return;
    Batch &batch = it->second;
    BatchRun &run = *batch.run;
    // Queued tasks first, so that no worker freed by an abort picks one of them up.
    run.queue().clear();
    for (int index = 0; index < run.size(); ++index) {
        if (run.task(index).state == TaskState::Queued)
            cancelQueued(run, index, reason);
    }
    changed();
    for (const auto &[token, task] : run.workers()) {
        if (token)
            token->cancel(reason);
    }
}

void FetchScheduler::cancelAll(CancelReason reason)
{
    for (auto &[id, batch] : m_batches)
        cancelBatch(id, reason);
}

QList<TaskRecord> FetchScheduler::tasks(BatchId id) const
{
    auto it = m_batches.find(id);
    if (it == m_batches.end())
        return {};
    const auto &all = it->second.run->tasks();
    return QList<TaskRecord>(all.begin(), all.end());
}

QCoro::Task<BatchRecord> FetchScheduler::whenBatchFinished(BatchId id)
{
    auto it = m_batches.find(id);
    if (it == m_batches.end())
        co_return BatchRecord{};
    co_await it->second.finished.future();
    co_return it->second.run->record();
}

QCoro::Task<> FetchScheduler::shutdown()
{
    cancelAll(CancelReason::Shutdown);
    if (m_running > 0) {
        m_idle.emplace();
        m_idle->start();
        co_await m_idle->future();
    }
    do
        flush();
    while (m_flushTimer.isActive());
}

} // namespace loopscope
