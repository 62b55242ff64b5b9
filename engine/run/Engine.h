#pragma once

#include "BatchRecord.h"
#include "LoopReport.h"
#include "Notifications.h"
#include "WorkerLoop.h"

#include <QFuture>
#include <QObject>

#include <atomic>
#include <functional>
#include <memory>

namespace loopscope {

class BatchScheduler;
class LoopMonitor;

// The engine's public face, usable from any thread. Commands are posted to the worker loop
// and return at once; results come back as futures to co_await, and changes as coalesced
// updated() signals delivered on each observer's own thread.
class Engine : public QObject {
    Q_OBJECT
public:
    explicit Engine(QObject *parent = nullptr);
    ~Engine() override; // shuts down: every task is recorded as cancelled, the thread joined

    // Queues a batch; its tasks get consecutive ids starting at the batch's first task.
    BatchId addBatch(const QString &name, const QList<QUrl> &urls, const BatchSettings &settings);
    // Queues a batch under the ids the plan gives (those it leaves out, the engine picks).
    BatchId addBatch(BatchPlan plan);
    void cancelTask(TaskId id, CancelReason reason = CancelReason::User);
    void cancelBatch(BatchId id, CancelReason reason = CancelReason::Batch);
    void cancelAll(CancelReason reason = CancelReason::User);

    // Finishes when every task of the batch has ended, after the update carrying their final
    // records has been emitted.
    QFuture<BatchRecord> whenBatchFinished(BatchId id) const;
    // The gather of a batch: every task's final record once all have ended. The engine lets go
    // of a task's record once its end has been published (observers have it), and of a batch
    // as it ends; so ask before its tasks end, as right after adding it. Of a task let go
    // before, the record holds only its id, state and times; for a batch gone, an empty list.
    QFuture<QList<TaskRecord>> gather(BatchId id) const;
    // Queues a batch and gathers it from the start: no record is missed, however soon it ends.
    QFuture<QList<TaskRecord>> addGatheredBatch(const QString &name, const QList<QUrl> &urls, const BatchSettings &settings);
    // The records of a running batch's tasks as they are now (of ended tasks, as gather() says
    // of those let go); empty once it has ended.
    QFuture<QList<TaskRecord>> tasks(BatchId id) const;

    // Whether updates carry each task as soon as it is queued, before it starts: on by default,
    // for a window that lists the waiting tasks. An observer that takes in only starts and ends
    // turns it off: for a batch of a million URLs, a million records nobody reads.
    void setQueuedTasksAnnounced(bool announced);

    // Every batch that ends from now on is summarised through these channels.
    void setNotifications(const NotificationSettings &settings);
    // The batch's notification tasks once each has ended; empty when none were due.
    QFuture<QList<TaskRecord>> whenNotified(BatchId id) const;
    // Queues a failed or cancelled notification task again, as a new task.
    void retryNotification(TaskId id);
    // A real send of an example summary through the given channels; says how it went.
    QFuture<QString> sendTestNotification(const NotificationSettings &settings) const;

    // Cancels everything, waits until each task has recorded its end, and joins the worker
    // thread. Safe to call more than once.
    void shutdown();

    // Calls fn with every update on context's thread, straight from the worker loop. Unlike
    // updated(), nothing passes through the engine's own thread, so the updates of a shutdown
    // (during which that thread waits) arrive too. Here and below, context must be on its
    // thread already; the calls go through that thread's Mailbox.
    QMetaObject::Connection observe(QObject *context, std::function<void(const EngineUpdate &)> fn);

    // The worker loop's health, on context's thread: every second how late it ran its timers,
    // and each callback that held it at least the threshold (LoopMonitor::DefaultThresholdMs
    // unless set), as it ends. Slow callbacks are named only in a MonitoredApplication.
    QMetaObject::Connection observeLoopReports(QObject *context, std::function<void(const LoopReport &)> fn);
    QMetaObject::Connection observeSlowCallbacks(QObject *context, std::function<void(const SlowCallback &)> fn);
    void setSlowCallbackThreshold(int ms);

Q_SIGNALS:
    void updated(const loopscope::EngineUpdate &update);

private:
    void number(BatchPlan &plan); // gives the plan the ids it leaves out

    std::unique_ptr<WorkerLoop> m_loop;
    BatchScheduler *m_scheduler; // lives on the worker thread, deleted when it finishes
    LoopMonitor *m_loopMonitor;  // lives on the worker thread until it finishes
    std::atomic<BatchId> m_nextBatch{1};
    std::atomic<TaskId> m_nextTask{1};
};

} // namespace loopscope
