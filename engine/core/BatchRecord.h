#pragma once

#include "TaskRecord.h"

#include <QList>
#include <QSslCertificate>
#include <QString>
#include <array>

namespace loopscope {

// What a batch's tasks do: fetch URLs, or deliver the notifications of other batches (one
// standing batch, never finished, whose failed tasks are retried through the engine).
enum class BatchKind { Fetches, Notifications };

struct BatchSettings {
    int concurrency = 8;        // named workers sharing the batch's queue
    int perHost = 0;            // running tasks per host:port at most; 0: as many as workers
    int timeoutMs = 30'000;     // per attempt, start to end; 0: no limit
    int retries = 2;            // further attempts after a retryable failure
    int idleTimeoutMs = 15'000; // an attempt that receives nothing for this long fails; 0: no limit
    qint64 maxBytes = 0;        // a larger response fails; 0: no limit
    QList<QSslCertificate> caCertificates{}; // trusted for https besides the system's
    QString outputDir{};        // bodies are saved into this folder; empty: counted and discarded
    bool overwrite = false;     // a saved body replaces an existing file of its name
    qint64 limitRate = 0;       // bytes per second for the whole batch; 0: no limit
    QString proxy{};            // every request goes through it; empty: as the environment says
    bool http11 = false;        // never HTTP/2

    // The per-host limit that applies: the one set, or the number of workers.
    int hostLimit() const { return perHost > 0 ? perHost : concurrency; }
};

// What to run as one batch. The ids come from the caller when it keeps its own record of
// them (the history); otherwise the engine numbers the tasks consecutively.
struct BatchPlan {
    BatchId id = 0; // 0: the engine picks
    QString name;
    BatchSettings settings;
    QList<QByteArray> urls; // encoded, as encodedUrls() gives them
    QList<TaskId> taskIds; // one per URL, ascending; empty: the engine picks
    BatchKind kind = BatchKind::Fetches;
};

// A host of a batch given fewer connections than the setting, after it answered 429 or 503.
struct SlowedHost {
    QString host;   // as shown: "example.org", "127.0.0.1:8080"
    int limit = 0;  // its connections now
    QString reason; // "slowed after 429 at 12:03:11: 3 of 6"
    bool operator==(const SlowedHost &) const = default;
};

// A batch's aggregates, as published to observers.
struct BatchRecord {
    BatchId id = 0;
    TaskId firstTask = 0; // the lowest task id; ids ascend with the order of the URLs
    QString name;
    BatchKind kind = BatchKind::Fetches;
    BatchSettings settings;
    int total = 0;
    std::array<int, TaskStateCount> counts{};
    qint64 firstStartedAt = -1;
    qint64 lastFinishedAt = -1;
    qint64 finishedRunMs = 0; // sum of the run times of finished tasks
    qint64 runningSince = 0;  // sum of the start times of running tasks, for the live sum
    // When a worker is free while tasks are queued because each of their hosts has all its
    // settings.hostLimit() connections in use: the host waited on longest. Empty otherwise.
    QString blockedHost;
    int blockedLimit = 0;     // that host's connections now: lower than the setting while slowed
    QString blockedSlowdown;  // why it is lower: "slowed after 429 at 12:03:11: 3 of 6"
    QList<SlowedHost> slowedHosts; // every host slowed now, by host

    int count(TaskState state) const { return counts[static_cast<int>(state)]; }
    int done() const;
    bool finished() const { return done() == total; }
    // First start to last finish; live while tasks remain.
    qint64 elapsedMs(qint64 now) const;
    // Sum of every task's run time, running ones included.
    qint64 sumRunMs(qint64 now) const;
    // Why free workers wait, in the user's words: "waiting: 6 of 6 connections to example.org
    // in use"; empty when blockedHost is.
    QString blockedText() const;
    // How much concurrency saved: sum of task times / elapsed time (0 until known).
    double gain(qint64 now) const;
    // Whether a notification task that started then was sent for this batch's end: the
    // notifications of a batch start as it ends, a second later at most.
    bool notifiedAt(qint64 startedAt) const;
};

// The name of a batch's worker by its index: "Worker 1", "Worker 2", …
QString workerName(int worker);

// One coalesced delivery of engine changes: only what changed since the last one.
struct EngineUpdate {
    QList<TaskRecord> tasks;
    QList<BatchRecord> batches;
};

} // namespace loopscope

Q_DECLARE_METATYPE(loopscope::BatchRecord)
Q_DECLARE_METATYPE(loopscope::EngineUpdate)
