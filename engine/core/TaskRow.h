#pragma once

#include "TaskRecord.h"

#include <QJsonObject>
#include <QStringList>

namespace loopscope {

// A task as it is kept in the history and written out (--jsonl, export): wall-clock times
// in UTC milliseconds since the epoch (-1: not yet), durations in milliseconds.
struct TaskRow {
    TaskId id = 0;
    BatchId batch = 0;
    QString url;      // fully encoded
    QString finalUrl; // empty: none
    QString worker;
    QString state;    // "queued", "running", "succeeded", "failed", "cancelled"
    int httpStatus = 0;
    int attempts = 0;
    qint64 bytes = 0;
    qint64 queuedMs = 0;
    qint64 runMs = 0;
    QString error;
    QString errorKind;
    QString cancelReason;
    qint64 queuedAt = -1;
    qint64 startedAt = -1;
    qint64 finishedAt = -1;
    TaskId retryOf = 0; // the task this one retries, 0: none
    QString file;       // where the body was saved; empty: it was not
    AttemptTimings timings; // of the last attempt
    QString note;

    static TaskRow from(const TaskRecord &task);
    // The one JSON shape of a task, shared by --jsonl and export.
    QJsonObject toJson() const;
    // Timings as JSON: {dns_ms, connect_ms, tls_ms, ttfb_ms, transfer_ms, total_ms}, and the
    // connection's http_version, reused and remote_ip beside them (null when unknown).
    static QJsonObject timingsJson(const AttemptTimings &timings);
    static QJsonObject connectionJson(const AttemptTimings &timings);
    // Reads back both of the above from one object.
    static AttemptTimings timingsFromJson(const QJsonObject &object);
    // The same fields as CSV, in the order of csvHeader().
    static QString csvHeader();
    QString toCsv() const;
};

} // namespace loopscope
