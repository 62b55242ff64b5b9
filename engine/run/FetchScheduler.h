#pragma once

#include "BatchRun.h"
#include "DiskLoop.h"
#include "HttpFetch.h"
#include "ManagerPool.h"
#include "Notifications.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QTimer>
#include <QCoroTask>

#include <map>
#include <memory>
#include <optional>

namespace loopscope {

class CancelToken;

// The worker-loop side of the engine: owns every batch and network manager, hands queued
// tasks to free workers, runs each task as a coroutine, and publishes coalesced changes.
// Lives on the worker thread; the Engine reaches it only through posted calls.
class FetchScheduler : public QObject {
    Q_OBJECT
public:
    static constexpr int FlushIntervalMs = 33; // about 30 deliveries a second at most
    // A delivery carries at most this many task records, so that no observer has to take in
    // 100,000 rows in one go; the rest follow on the next ticks.
    static constexpr qsizetype MaxTasksPerUpdate = 5'000;

    FetchScheduler();
    ~FetchScheduler() override;

    // The plan's ids are all set. appendFrom numbers tasks appended to an empty batch.
    void addBatch(const BatchPlan &plan, TaskId appendFrom = 0);
    void cancelTask(TaskId id, CancelReason reason);
    void cancelBatch(BatchId id, CancelReason reason);
    void cancelAll(CancelReason reason);

    QList<TaskRecord> tasks(BatchId id) const;
    // The gather of a batch: resumes once every task of it has ended and the update carrying
    // their final records has been emitted.
    QCoro::Task<BatchRecord> whenBatchFinished(BatchId id);
    // Cancels everything and resumes once no task runs; the managers can then go.
    QCoro::Task<> shutdown();

    int managerCount() const { return m_pool.size(); }

    // Notifications: one summary per channel when a batch ends, run as tasks of their own batch.
    void setNotifications(const NotificationSettings &settings);
    void retryNotification(TaskId id);
    // The notification tasks of a batch, once each has ended (none if none were due).
    QCoro::Task<QList<TaskRecord>> whenNotified(BatchId source);
    // Sends an example summary through every configured channel; says how each went.
    QCoro::Task<QString> sendTestNotification(NotificationSettings settings);

Q_SIGNALS:
    void updated(const loopscope::EngineUpdate &update);

private:
    struct Batch {
        std::unique_ptr<BatchRun> run;
        QPromise<void> finished;
    };

    struct NotificationJob {
        enum class Channel { Email, Webhook };
        Channel channel;
        BatchId source;
        BatchSummary summary;
        NotificationSettings settings; // as they were when the batch ended
    };
    struct Notified {
        int pending = 0;
        QPromise<void> done;
        QList<TaskId> tasks;
    };

    QCoro::Task<> runTask(Batch &batch, int index, QString host, int worker);
    QCoro::Task<FetchOutcome> deliver(const NotificationJob &job, int timeoutMs, CancelToken &token);
    Batch &notificationBatch();
    void queueNotifications(Batch &batch);
    void queueNotification(const NotificationJob &job, const QUrl &target);
    void notificationEnded(const NotificationJob &job);
    void dispatch(Batch &batch);
    void cancelQueued(BatchRun &run, int index, CancelReason reason);
    void changed(); // after any change: schedule a delivery
    void flush();   // delivers one update; announces batches whose last records it carried
    Batch *batchOfTask(TaskId id);
    DiskLoop &disk(); // started with the first download


    std::map<BatchId, Batch> m_batches;
    std::map<TaskId, BatchId> m_batchByFirstTask;
    ManagerPool m_pool;
    std::unique_ptr<DiskLoop> m_disk;
    QTimer m_flushTimer;
    int m_running = 0;
    bool m_dispatching = false;
    bool m_dispatchAgain = false;
    std::optional<QPromise<void>> m_idle;
    bool m_shuttingDown = false;
    NotificationSettings m_notifications;
    std::map<TaskId, NotificationJob> m_jobs;
    std::map<BatchId, Notified> m_notified;
};

} // namespace loopscope
