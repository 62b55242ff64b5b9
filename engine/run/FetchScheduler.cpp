#include "FetchScheduler.h"

#include "Backoff.h"
#include "CancelToken.h"
#include "DiskWriter.h"
#include "EngineClock.h"
#include "HttpFetch.h"
#include "Wakeup.h"

#include <QJsonDocument>

#include <QLoggingCategory>
#include <QCoroFuture>

#include <algorithm>

Q_LOGGING_CATEGORY(lcEngine, "loopscope.engine", QtInfoMsg)

namespace loopscope {


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

void FetchScheduler::addBatch(const BatchPlan &plan, TaskId appendFrom)
{
    Q_ASSERT(QThread::currentThread() == thread());
    Batch &batch = m_batches[plan.id];
    batch.run = std::make_unique<BatchRun>(plan, EngineClock::now(), appendFrom);
    batch.finished.start();
    m_batchByFirstTask.emplace(batch.run->record().firstTask, plan.id);
    qCDebug(lcEngine) << "batch" << plan.id << plan.name << "with" << plan.urls.size() << "tasks";
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
    task.worker = workerName(worker);
    run.move(index, TaskState::Running, EngineClock::now());
    changed();

    FetchRequest request{task.url, settings.timeoutMs, 10, [&](qint64 received, qint64 total) {
                             task.bytesReceived = received;
                             task.bytesTotal = total;
                             run.touch(index);
                             changed();
                         }, {}, settings.caCertificates, settings.idleTimeoutMs, settings.maxBytes};
    const auto job = m_jobs.find(task.id); // a notification task, or a fetch
    FetchOutcome outcome;
    for (int attempt = 0;; ++attempt) {
        task.attempts = attempt + 1;
        task.bytesReceived = 0;
        task.retryAt = -1;
        run.touch(index);
        if (job != m_jobs.end()) {
            outcome = co_await deliver(job->second, settings.timeoutMs, token);
        } else {
            const ManagerPool::Lease lease = m_pool.acquire();
            // Each attempt saves into a part file of its own making, removed if it fails.
            std::unique_ptr<DiskWriter> writer;
            FetchRequest attempted = request;
            if (!settings.outputDir.isEmpty()) {
                writer = std::make_unique<DiskWriter>(disk(), settings.outputDir, settings.overwrite, task.id);
                attempted.body = writer.get();
            }
            outcome = co_await fetchOnce(lease.manager(), attempted, token);
        }
        task.attemptLog.append({outcome.httpStatus, token.isCancelled() ? ErrorKind::Cancelled : outcome.kind,
                                token.isCancelled() ? cancelReasonText(token.reason()) : outcome.error});
        if (token.isCancelled() || !outcome.retryable() || attempt >= settings.retries)
            break;
        // The server's Retry-After, when it sent one, instead of the backoff.
        const int wait = int(outcome.retryAfterMs.value_or(backoffMs(attempt)));
        task.error = outcome.error;
        task.errorKind = outcome.kind;
        task.httpStatus = outcome.httpStatus;
        task.retryAt = EngineClock::now() + wait;
        run.touch(index);
        changed();
        co_await waitUnlessCancelled(wait, token);
        if (token.isCancelled()) {
            outcome.kind = ErrorKind::Cancelled;
            break;
        }
    }

    task.retryAt = -1;
    task.httpStatus = outcome.httpStatus;
    task.finalUrl = outcome.finalUrl;
    task.responseHeaders = outcome.headers;
    task.savedPath = outcome.savedPath;
    TaskState end = TaskState::Succeeded;
    if (outcome.kind == ErrorKind::Cancelled || token.isCancelled()) {
        end = TaskState::Cancelled;
        task.cancelReason = token.reason();
        task.error = cancelReasonText(token.reason());
        task.errorKind = ErrorKind::Cancelled;
    } else if (outcome.kind != ErrorKind::None) {
        end = TaskState::Failed;
        task.error = outcome.error;
        task.errorKind = outcome.kind;
    } else {
        task.error.clear();
        task.errorKind = ErrorKind::None;
    }
    run.move(index, end, EngineClock::now());
    run.vacate(worker);
    run.queue().release(host);
    --m_running;
    changed();
    if (job != m_jobs.end())
        notificationEnded(job->second);
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
    std::vector<Batch *> ended;
    for (auto &[id, batch] : m_batches) {
        more |= batch.run->hasChanges();
        // Anyone waiting on a batch hears it is done only after its final records went out.
        if (batch.run->record().finished() && !batch.run->hasChanges() && !batch.finished.future().isFinished())
            ended.push_back(&batch);
    }
    for (Batch *batch : ended) {
        queueNotifications(*batch);
        batch->finished.finish();
    }
    if (more)
        m_flushTimer.start();
}

FetchScheduler::Batch &FetchScheduler::notificationBatch()
{
    auto it = m_batches.find(NotificationBatchId);
    if (it != m_batches.end())
        return it->second;
    // Two at a time (an e-mail and a webhook); a webhook gets three more tries on 5xx and
    // network errors.
    addBatch(BatchPlan{NotificationBatchId, QStringLiteral("Notifications"), BatchSettings{2, 2, 60'000, 3}, {}, {}, BatchKind::Notifications},
             FirstNotificationTaskId);
    return m_batches.at(NotificationBatchId);
}

void FetchScheduler::queueNotifications(Batch &batch)
{
    const BatchRecord &record = batch.run->record();
    if (record.kind == BatchKind::Notifications || m_shuttingDown || !m_notifications.appliesTo(record)
        || (!m_notifications.sendsEmail() && !m_notifications.sendsWebhook()))
        return;
    BatchSummary summary{record, {}};
    for (const TaskRecord &task : batch.run->tasks()) {
        if (task.state == TaskState::Failed)
            summary.failed.append(task);
    }
    Notified &notified = m_notified[record.id];
    notified.done.start();
    if (m_notifications.sendsEmail()) {
        QStringList addresses;
        for (const MailAddress &to : std::as_const(m_notifications.recipients))
            addresses << to.address;
        queueNotification({NotificationJob::Channel::Email, record.id, summary, m_notifications},
                          QUrl(u"mailto:"_qs + addresses.join(u',')));
    }
    if (m_notifications.sendsWebhook())
        queueNotification({NotificationJob::Channel::Webhook, record.id, summary, m_notifications}, m_notifications.webhook);
}

void FetchScheduler::queueNotification(const NotificationJob &job, const QUrl &target)
{
    Batch &batch = notificationBatch();
    const int index = batch.run->append(target, EngineClock::now());
    const TaskId id = batch.run->task(index).id;
    m_jobs.emplace(id, job);
    Notified &notified = m_notified[job.source];
    notified.tasks.append(id);
    ++notified.pending;
    changed();
    dispatch(batch);
}

void FetchScheduler::notificationEnded(const NotificationJob &job)
{
    Notified &notified = m_notified[job.source];
    if (--notified.pending == 0 && !notified.done.future().isFinished())
        notified.done.finish();
}

void FetchScheduler::retryNotification(TaskId id)
{
    const auto job = m_jobs.find(id);
    Batch *batch = batchOfTask(id);
    if (job == m_jobs.end() || !batch)
        return;
    const TaskRecord &task = batch->run->task(batch->run->indexOf(id));
    if (task.state == TaskState::Failed || task.state == TaskState::Cancelled)
        queueNotification(job->second, task.url);
}

QCoro::Task<FetchOutcome> FetchScheduler::deliver(const NotificationJob &job, int timeoutMs, CancelToken &token)
{
    FetchOutcome outcome;
    if (job.channel == NotificationJob::Channel::Email) {
        SmtpServer server = job.settings.smtp;
        server.stepTimeoutMs = std::min(server.stepTimeoutMs, timeoutMs);
        const MailMessage message{job.settings.from, job.settings.recipients, job.summary.subject(), job.summary.text(), {}, {}};
        const Result<> sent = co_await sendMail(server, message, token);
        outcome.kind = sent.kind(); // Temporary and Timeout are retried, Refused and Tls are not
        outcome.error = sent.error();
        co_return outcome;
    }
    const ManagerPool::Lease lease = m_pool.acquire();
    FetchRequest request{job.settings.webhook, timeoutMs, 10, {}, QJsonDocument(job.summary.json()).toJson(QJsonDocument::Compact),
                         job.settings.smtp.extraCaCertificates};
    co_return co_await fetchOnce(lease.manager(), request, token);
}

void FetchScheduler::setNotifications(const NotificationSettings &settings)
{
    m_notifications = settings;
}

QCoro::Task<QList<TaskRecord>> FetchScheduler::whenNotified(BatchId source)
{
    // Notifications are queued as the batch is announced finished; only then is it known
    // whether any are due.
    co_await whenBatchFinished(source);
    auto it = m_notified.find(source);
    if (it == m_notified.end())
        co_return {};
    co_await it->second.done.future();
    QList<TaskRecord> records;
    Batch &batch = m_batches.at(NotificationBatchId);
    for (const TaskId id : std::as_const(it->second.tasks))
        records.append(batch.run->task(batch.run->indexOf(id)));
    co_return records;
}

QCoro::Task<QString> FetchScheduler::sendTestNotification(NotificationSettings settings)
{
    BatchRecord example;
    example.name = QStringLiteral("Test from Loopscope");
    BatchSummary summary{example, {}};
    CancelToken token;
    QStringList outcomes;
    // Jobs are named, not braced temporaries inside co_await: GCC 12 destroys those twice.
    if (settings.sendsEmail()) {
        const NotificationJob email{NotificationJob::Channel::Email, 0, summary, settings};
        const FetchOutcome outcome = co_await deliver(email, 30'000, token);
        outcomes << (outcome.error.isEmpty() ? QStringLiteral("E-mail sent.") : QStringLiteral("E-mail failed: %1").arg(outcome.error));
    }
    if (settings.sendsWebhook()) {
        const NotificationJob webhook{NotificationJob::Channel::Webhook, 0, summary, settings};
        const FetchOutcome outcome = co_await deliver(webhook, 30'000, token);
        outcomes << (outcome.kind == ErrorKind::None ? QStringLiteral("Webhook answered HTTP %1.").arg(outcome.httpStatus)
                                                           : QStringLiteral("Webhook failed: %1").arg(outcome.error));
    }
    co_return outcomes.isEmpty() ? QStringLiteral("Nothing to send: no recipients and no webhook.") : outcomes.join(u' ');
}

DiskLoop &FetchScheduler::disk()
{
    if (!m_disk)
        m_disk = std::make_unique<DiskLoop>();
    return *m_disk;
}

FetchScheduler::Batch *FetchScheduler::batchOfTask(TaskId id)
{
    auto it = m_batchByFirstTask.upper_bound(id);
    if (it == m_batchByFirstTask.begin())
        return nullptr;
    --it;
    Batch &batch = m_batches.at(it->second);
    return batch.run->indexOf(id) >= 0 ? &batch : nullptr;
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
    const int index = run.indexOf(id);
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
    m_shuttingDown = true;
    cancelAll(CancelReason::Shutdown);
    if (m_running > 0) {
        m_idle.emplace();
        m_idle->start();
        co_await m_idle->future();
    }
    do
        flush();
    while (m_flushTimer.isActive());
    // Whoever awaits a batch resumes from an event posted as it finished; give those events
    // their turn before the loop stops, or the waiters would never hear the end.
    Wakeup turn;
    QMetaObject::invokeMethod(&turn, &Wakeup::fire, Qt::QueuedConnection);
    co_await turn.next();
}

} // namespace loopscope
