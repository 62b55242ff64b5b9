#pragma once

#include "BatchRecord.h"
#include "LoopReport.h"
#include "TaskSpan.h"

#include <QByteArray>
#include <QHash>
#include <QString>

namespace loopscope {

// A run written as Chrome trace-event JSON, which Perfetto and chrome://tracing open: one track
// per worker and one for notification tasks, each task an async begin/end pair with its
// attempts, and their phases, nested inside; each batch one span on a track of its own; each
// loop's lag a counter; each slow callback an instant. Timestamps are microseconds from the
// origin given (the first batch's start).
class ChromeTrace {
public:
    explicit ChromeTrace(qint64 originMs);

    void addBatch(const BatchRecord &batch);
    // A task that never ran (cancelled while queued) has no place on a worker's track.
    void addTask(const TaskSpan &task, bool notification = false);
    void addLoopReport(const LoopReport &report);
    void addSlowCallback(const SlowCallback &callback);

    // The whole trace: {"traceEvents": [...], "displayTimeUnit": "ms"}.
    QByteArray toJson() const;

private:
    int laneOf(const TaskSpan &task, bool notification);
    void begin(char phase, const QByteArray &category, const QByteArray &id, const QString &name, int lane, qint64 us);
    void end();

    qint64 m_originUs;
    QByteArray m_events;
    QHash<QString, int> m_workerLanes; // "Worker 3" -> its track
    bool m_hasNotifications = false;
};

} // namespace loopscope
