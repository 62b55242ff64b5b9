#pragma once

#include "ErrorKind.h"
#include "TaskState.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QUrl>

namespace loopscope {

using TaskId = quint64;
using BatchId = quint64;

// How one attempt of a task ended.
struct AttemptRecord {
    int httpStatus = 0; // 0: no response
    ErrorKind errorKind = ErrorKind::None;
    QString error;
};

// Everything known about one task, as published to observers. Times are EngineClock
// milliseconds; -1 means "not yet".
struct TaskRecord {
    TaskId id = 0;
    BatchId batch = 0;
    QUrl url;
    TaskState state = TaskState::Queued;
    CancelReason cancelReason = CancelReason::None;
    int attempts = 0;
    int httpStatus = 0; // 0: no response
    qint64 bytesReceived = 0;
    qint64 bytesTotal = -1; // -1: size unknown
    QString error;
    ErrorKind errorKind = ErrorKind::None;
    QString worker;
    QUrl finalUrl; // after redirects
    QList<std::pair<QByteArray, QByteArray>> responseHeaders; // of the last response
    qint64 queuedAt = -1;
    qint64 startedAt = -1;
    qint64 finishedAt = -1;
    qint64 retryAt = -1; // while waiting to try again: when the next attempt starts
    QList<AttemptRecord> attemptLog; // one per attempt that has ended, oldest first
    QString savedPath; // the file the body was saved to, once it succeeded

    // Time spent waiting for a worker, and time spent running; both tick until they end.
    qint64 queuedMs(qint64 now) const;
    qint64 runMs(qint64 now) const;
};

} // namespace loopscope

Q_DECLARE_METATYPE(loopscope::TaskRecord)
