#pragma once

#include "BatchRecord.h"
#include "LoopReport.h"
#include "TaskSpan.h"

#include <QObject>
#include <QSet>

#include <map>
#include <vector>

namespace loopscope {

class Engine;
class LoopMonitor;

// Keeps what a trace of the engine's work needs, from the moment it is made: the span of every
// task that ends, the batches, and the loops' lag and slow callbacks; trace() writes the batches
// asked for as Chrome trace-event JSON (ChromeTrace). Lives on the thread of its observer.
class TraceRecorder : public QObject {
    Q_OBJECT
public:
    explicit TraceRecorder(Engine &engine, QObject *parent = nullptr);

    // Another loop to record, beside the engine's worker loop: the GUI's or the command's own.
    void follow(LoopMonitor &monitor);

    bool knows(BatchId batch) const { return m_batches.count(batch) > 0; }
    // The batches, their tasks, the notification tasks sent as they ended
    // (BatchRecord::notifiedAt), and what the loops reported meanwhile. Empty when none of the batches ever started.
    QByteArray trace(const QList<BatchId> &batches) const;
    // Forgets these batches and their tasks.
    void removeBatches(const QSet<BatchId> &batches);

private:
    void take(const EngineUpdate &update);

    std::map<BatchId, BatchRecord> m_batches;
    std::vector<TaskSpan> m_tasks; // in the order they ended
    std::vector<LoopReport> m_reports;
    std::vector<SlowCallback> m_slowCallbacks;
};

} // namespace loopscope
