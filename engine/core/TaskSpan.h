#pragma once

#include "TaskRecord.h"

#include <QList>
#include <QString>

#include <vector>

namespace loopscope {

// What a task did on its worker, over time: from its start to its end, attempt by attempt and
// phase by phase, in EngineClock milliseconds. Small beside its record, so that a view or a
// trace can keep one for each of a batch's many tasks.
struct TaskSpan {
    enum class Phase : quint8 { Attempt, Dns, Connect, Tls, FirstByte, Transfer, Backoff };
    static QString phaseName(Phase phase); // "dns", "waiting for the first byte", …

    struct Piece {
        Phase phase;
        qint64 startUs; // microseconds on the engine's clock
        qint64 endUs;
        int attempt; // 1, 2, …
    };

    TaskId id = 0;
    BatchId batch = 0;
    QString url;
    QString worker; // "Worker 3"
    TaskState state = TaskState::Queued;
    int httpStatus = 0;
    QString error;
    qint64 startedAt = -1; // EngineClock ms; -1: it never ran
    qint64 finishedAt = -1;
    struct Attempt {
        AttemptTimings timings;
        int httpStatus = 0;
        ErrorKind errorKind = ErrorKind::None;
    };
    std::vector<Attempt> attempts;

    // Of a task that has ended.
    static TaskSpan from(const TaskRecord &task);
    bool ran() const { return startedAt >= 0 && finishedAt >= startedAt; }
    // Where the task begins and ends, in microseconds: its end is the end of its last attempt
    // when that is later than the millisecond its end was recorded in.
    qint64 startUs() const { return startedAt * 1000; }
    qint64 endUs() const;
    // Each attempt, and inside it the phases libcurl timed (those it knows of), then the back-off
    // before the next attempt; every piece lies within the task, and phases within their attempt.
    std::vector<Piece> pieces() const;
};

} // namespace loopscope
