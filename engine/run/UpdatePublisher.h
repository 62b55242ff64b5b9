#pragma once

#include "BatchRecord.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <map>
#include <set>

namespace loopscope {

class BatchRun;

// Coalesces the engine's changes: however many tasks change, observers get at most about 30
// deliveries a second, each carrying only what changed since the last; a change after a quiet
// spell, and the end of a batch, go out at once. Worker-thread only.
class UpdatePublisher : public QObject {
    Q_OBJECT
public:
    static constexpr int FlushIntervalMs = 33;
    // A delivery carries at most this many task records, so that no observer has to take in
    // 100,000 rows in one go; the rest follow on the next ticks.
    static constexpr qsizetype MaxTasksPerUpdate = 5'000;

    explicit UpdatePublisher(QObject *parent);

    void add(BatchRun &run);
    void remove(BatchId id);
    // After any change of a batch added here: schedules a delivery.
    void changed();
    // After the change that finished a batch: it goes out on the next turn of the loop, whatever
    // the interval, so that whoever waits on the batch (a script, a notification) hears at once.
    void batchFinished();
    // Delivers until nothing is left to deliver (at shutdown, when no timer will fire again).
    void flushAll();

Q_SIGNALS:
    void updated(const loopscope::EngineUpdate &update);
    // The update carrying the last records of a finished batch has just been emitted; the
    // batch may be removed from here in response.
    void finishedBatchPublished(loopscope::BatchId id);

private:
    void flush();

    std::map<BatchId, BatchRun *> m_runs; // in id order, as observers expect them
    std::set<BatchId> m_announced;        // finished batches already reported published
    QTimer m_timer;
    QElapsedTimer m_sinceFlush; // since the last delivery
};

} // namespace loopscope
