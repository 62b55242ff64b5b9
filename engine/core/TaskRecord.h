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

// Where one attempt's time went, as the transport saw it. The phase times are milliseconds
// from the attempt's start at which each phase ended, so they only grow: name resolved,
// connected, TLS done (the connect time when there was no TLS), first byte of the response,
// all done. -1: not known (the attempt never got that far, or never ran).
struct AttemptTimings {
    // Where the attempt lies in its task: milliseconds from the task's start to the attempt's
    // start and end, as the engine's clock saw them.
    double startMs = -1;
    double endMs = -1;
    double dnsMs = -1;
    double connectMs = -1;
    double tlsMs = -1;
    double ttfbMs = -1;
    double totalMs = -1;
    QString httpVersion; // "1.1", "2"; empty: no response
    bool reused = false; // the request went over a connection an earlier request opened
    QString remoteIp;    // of the server, or of the proxy when there was one

    bool known() const { return totalMs >= 0; }
    // The time the response took to arrive after its first byte.
    double transferMs() const { return ttfbMs >= 0 && totalMs >= ttfbMs ? totalMs - ttfbMs : -1; }
};

// How one attempt of a task ended.
struct AttemptRecord {
    int httpStatus = 0; // 0: no response
    ErrorKind errorKind = ErrorKind::None;
    QString error;
    AttemptTimings timings;
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
    QByteArray responseHeaders; // of the last response: "Name: value\n" each
    qint64 queuedAt = -1;
    qint64 startedAt = -1;
    qint64 finishedAt = -1;
    qint64 retryAt = -1; // while waiting to try again: when the next attempt starts
    QList<AttemptRecord> attemptLog; // one per attempt that has ended, oldest first
    QString savedPath; // the file the body was saved to, once it succeeded
    AttemptTimings timings; // of the last attempt
    QString note; // what the last attempt adds to its state: "length not announced", "resumed at …"

    // Time spent waiting for a worker, and time spent running; both tick until they end.
    qint64 queuedMs(qint64 now) const;
    qint64 runMs(qint64 now) const;
};

} // namespace loopscope

Q_DECLARE_METATYPE(loopscope::TaskRecord)
