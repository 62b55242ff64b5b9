#pragma once

#include "BatchRecord.h"
#include "HostQueue.h"

#include <QHash>

#include <memory>
#include <vector>

namespace loopscope {

class CancelToken;

// A batch as the worker loop runs it: its tasks, its queue, its named workers and the
// aggregates, kept current on every state change. Worker-thread only.
class BatchRun {
public:
    // The plan's ids are all set (the engine fills in any it picks); tasks appended later
    // number on from the last, or from appendFrom when the plan has none.
    BatchRun(const BatchPlan &plan, qint64 now, TaskId appendFrom = 0);

    const BatchRecord &record() const { return m_record; }
    int size() const { return int(m_slots.size()); }
    TaskId id(int index) const { return m_slots[size_t(index)].id; }
    TaskState state(int index) const;
    // The task's whole record, to run it or change it; stays where it is until the task ends.
    TaskRecord &task(int index);
    int indexOf(TaskId id) const; // -1 if the task is not of this batch
    // Every task's record as it is now; of a task whose end was published and let go, what
    // remains: its id, state and times.
    QList<TaskRecord> records() const;
    // From now on ended tasks keep their whole records (for a gather).
    void keepEndedRecords() { m_keepEnded = true; }
    // From now on takeChanges() hands out only tasks that started or ended, not the plan's
    // tasks that are still queued as they were (by default it announces those too).
    void leaveQueuedUnannounced() { m_unannounced = m_planned; }
    // Queues one more task at the end, with the id after the last; existing tasks do not move.
    int append(const QUrl &url, qint64 now);
    HostQueue &queue() { return m_queue; }
    // The host that holds back a free worker, as the record publishes it; empty: none.
    void setBlocked(const HostQueue::Blocked &blocked);
    void setSlowedHosts(const QList<SlowedHost> &hosts);

    // Moves a task forward and keeps the aggregates in step; false if the move is not allowed.
    [[nodiscard]] bool move(int index, TaskState to, qint64 now);
    // Ends a queued task as cancelled, for that reason.
    [[nodiscard]] bool cancelQueued(int index, CancelReason reason, qint64 now);
    void touch(int index); // a running task's details changed

    // Workers: a free one's index, or -1; a busy worker holds its task and cancel token.
    struct Worker {
        CancelToken *token = nullptr;
        int task = -1;
    };
    int freeWorker() const;
    // "Worker 3": one string per worker, shared by the records of every task it runs.
    const QString &workerName(int worker) const { return m_workerNames[size_t(worker)]; }
    void occupy(int worker, CancelToken *token, int task) { m_workers[size_t(worker)] = {token, task}; }
    void vacate(int worker) { m_workers[size_t(worker)] = {}; }
    const std::vector<Worker> &workers() const { return m_workers; }

    // What changed since the last call, at most maxTasks task records (the rest wait for the
    // next call); the batch's own record comes along when anything did.
    bool hasChanges() const { return m_batchChanged; }
    void takeChanges(EngineUpdate &update, qsizetype maxTasks);

private:
    // What the batch holds of each task. A queued task is its URL; a task gets its whole record
    // as it starts, and gives it back once its end has been published, unless the record is
    // still wanted (a failed task, for the batch's notifications; any, for a gather). So a
    // batch of a million URLs holds a million of these small slots, not a million records.
    struct Slot {
        TaskId id = 0;
        QByteArray url;         // encoded; until the record takes it
        qint64 queuedAt = -1;
        qint64 finishedAt = -1; // of a task that ended without a record
        std::unique_ptr<TaskRecord> record;
        TaskState state = TaskState::Queued; // while there is no record
        CancelReason cancelReason = CancelReason::None;
        bool changed = false;   // since it was last published
        bool announced = false; // published at least once
    };
    TaskRecord recordOf(const Slot &slot) const;
    void enqueue(int index); // into the queue of its host
    void letGoIfDone(int index);

    BatchRecord m_record;
    bool m_consecutive = true; // task ids without gaps: an index is id - first
    TaskId m_nextAppended;
    std::vector<Slot> m_slots;
    bool m_keepEnded = false;
    // While the plan's tasks are queued: the host key and shown name of each URL origin seen,
    // and of the last one.
    QHash<QByteArray, std::pair<QString, QString>> m_hostsByOrigin;
    QByteArray m_lastOrigin;
    std::pair<QString, QString> m_lastHost;
    std::vector<int> m_changedTasks; // touched since their last publication, in that order
    int m_planned = 0;               // the plan's tasks, announced in their order as room allows
    int m_unannounced = 0;           // the first of them not yet announced
    bool m_batchChanged = true;
    HostQueue m_queue;
    std::vector<Worker> m_workers;
    std::vector<QString> m_workerNames;
};

} // namespace loopscope
