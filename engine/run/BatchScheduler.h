#pragma once

#include "BatchRun.h"
#include "HttpTransport.h"
#include "NotificationDispatcher.h"
#include "RateLimit.h"
#include "UpdatePublisher.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QCoroTask>

#include <deque>
#include <map>
#include <memory>
#include <optional>

namespace loopscope {

// The worker-loop side of the engine: holds every running batch, hands its queued tasks to
// free workers, runs each task as a coroutine and records how it ended. A batch is let go
// as soon as the update carrying its last records is out; only its aggregates are kept, for
// whoever asks about it late. Lives on the worker thread; the Engine reaches it only through
// posted calls.
class BatchScheduler : public QObject {
    Q_OBJECT
public:
    BatchScheduler();
    ~BatchScheduler() override;

    UpdatePublisher &publisher() { return m_publisher; }

    // The plan's ids are all set. appendFrom numbers tasks appended to an empty batch.
    void addBatch(const BatchPlan &plan, TaskId appendFrom = 0);
    void cancelTask(TaskId id, CancelReason reason);
    void cancelBatch(BatchId id, CancelReason reason);
    void cancelAll(CancelReason reason);

    // Resumes once every task of the batch has ended and the update carrying their final
    // records has been emitted; an empty record for a batch never seen.
    QCoro::Task<BatchRecord> whenBatchFinished(BatchId id);
    // The records of a running batch's tasks as they are now; none once it has ended.
    QList<TaskRecord> tasks(BatchId id) const;
    // The gather of a batch: every task's final record, in the batch's order. Ask before the
    // batch ends (its tasks are let go then); an empty list for a batch that is gone.
    QCoro::Task<QList<TaskRecord>> gather(BatchId id);
    // Adds the batch (its ids all set) and gathers it from the start, however soon it ends.
    QCoro::Task<QList<TaskRecord>> addGatheredBatch(BatchPlan plan);
    // Cancels everything and resumes once no task runs and every change has been published.
    QCoro::Task<> shutdown();

    // Notifications: one summary per channel when a batch ends, run as tasks of their own batch.
    void setNotifications(const NotificationSettings &settings);
    // For the batches added from now on; see Engine::setQueuedTasksAnnounced.
    void setQueuedTasksAnnounced(bool announced) { m_announceQueued = announced; }
    void retryNotification(TaskId id);
    QCoro::Task<QList<TaskRecord>> whenNotified(BatchId source);
    QCoro::Task<QString> sendTestNotification(NotificationSettings settings);

private:
    struct Batch {
        std::unique_ptr<BatchRun> run;
        QPromise<BatchRecord> finished;
        std::optional<QPromise<QList<TaskRecord>>> gathered; // when someone asked
        std::unique_ptr<RateLimit> rateLimit; // shared by the batch's transfers, when it has one
    };
    // Aggregates of finished batches kept for late askers; the oldest go beyond this many.
    static constexpr size_t KeptFinishedBatches = 1'000;

    QCoro::Task<> runTask(Batch &batch, int index, QString host, int worker);
    Batch &admit(const BatchPlan &plan, TaskId appendFrom); // ready to dispatch
    QFuture<QList<TaskRecord>> startGathering(Batch &batch);
    void dispatch(Batch &batch);
    void cancelQueued(BatchRun &run, int index, CancelReason reason);
    // Schedules the delivery of run's changes: at once when they finished it.
    void publishChanges(const BatchRun &run);
    void changed(BatchRun &run, int index);
    void finishedBatchPublished(BatchId id);
    Batch *batchOfTask(TaskId id);
    TaskId queueNotificationTask(const QUrl &target);
    void limitConnections();

    UpdatePublisher m_publisher;
    HttpTransport m_http;
    NotificationDispatcher m_notifications;
    std::map<BatchId, Batch> m_batches;
    std::map<TaskId, BatchId> m_batchByFirstTask;
    std::map<BatchId, BatchRecord> m_finished;
    std::deque<BatchId> m_finishedOrder; // oldest first
    int m_running = 0;
    bool m_dispatching = false;
    bool m_announceQueued = true;
    bool m_dispatchAgain = false;
    std::optional<QPromise<void>> m_idle;
    bool m_shuttingDown = false;
};

} // namespace loopscope
