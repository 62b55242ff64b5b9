#pragma once

#include "BatchRecord.h"
#include "TaskSpan.h"

#include <QObject>
#include <QSet>

#include <map>
#include <vector>

namespace loopscope {

// What every worker of every batch did over time, for the timeline: per batch, one lane per
// worker holding its ended tasks in the order they ran, and the task it runs now. A worker runs
// one task at a time, so a lane's tasks never overlap and are sorted by start and by end alike:
// the tasks of a stretch of time are found by binary search, whatever the batch's size.
class TimelineModel : public QObject {
    Q_OBJECT
public:
    struct Running {
        TaskId id = 0;
        QString url;
        qint64 startedAt = -1;
    };
    struct Lane {
        QString worker;
        bool notifications = false;
        std::vector<TaskSpan> tasks; // ended, in the order they ran
        std::vector<qint64> endsUs;  // tasks[i].endUs(), kept for the searches, which ask it often
        std::vector<size_t> unsucceeded; // the indexes of the tasks that failed or were cancelled
        Running running;             // id 0: none now
        void add(TaskSpan task);
        // The index of the first task that ends at or after us; tasks.size() when none does.
        size_t firstEndingFrom(qint64 us) const;
        // The task under us, or null.
        const TaskSpan *taskAt(qint64 us) const;
    };
    struct Batch {
        BatchRecord record;
        std::vector<Lane> lanes; // workers by number, then the notification workers
        bool recorded = false;   // read from the history: over, whatever its tasks' states
        bool over() const { return recorded || record.finished(); }
    };

    using QObject::QObject;

    void apply(const EngineUpdate &update);
    // A batch from the history (its times UTC, as recorded), unless this run has it already.
    void load(const BatchRecord &record, const QList<TaskSpan> &spans);
    void removeBatches(const QSet<BatchId> &batches);
    // Null for a batch it never heard of.
    const Batch *batch(BatchId id) const;
    // The batch whose task this is, and where; null when unknown or not ended.
    const TaskSpan *find(TaskId id, BatchId *batch = nullptr, int *lane = nullptr) const;

Q_SIGNALS:
    void changed(loopscope::BatchId batch);

private:
    Lane &laneOf(Batch &batch, const QString &worker, bool notifications);
    Batch *notificationsTarget(const TaskRecord &task);

    std::map<BatchId, Batch> m_batches;
    std::map<BatchId, BatchKind> m_kinds;
    struct Where {
        BatchId batch;
        int lane;
        size_t index;
    };
    std::map<TaskId, Where> m_where; // of each ended task
};

} // namespace loopscope
