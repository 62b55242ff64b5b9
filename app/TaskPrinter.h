#pragma once

#include "BatchRecord.h"
#include "TaskWriter.h"

#include <QHash>
#include <QSet>
#include <QTextStream>

#include <optional>

// What the headless commands print as tasks of the batches they follow start, wait to retry
// and end: a line each in the seeds' style, and a JSON record per finished task.
class TaskPrinter {
public:
    TaskPrinter(QTextStream &out, bool quiet)
        : m_out(out)
        , m_quiet(quiet)
    {
    }

    void writeRecordsTo(QIODevice &jsonl) { m_records.emplace(jsonl, loopscope::TaskWriter::Format::Jsonl); }
    void follow(loopscope::BatchId batch) { m_followed.insert(batch); }
    // Records of these tasks name the task they retry.
    void setRetryOf(const QHash<loopscope::TaskId, loopscope::TaskId> &retryOf) { m_retryOf = retryOf; }

    void print(const loopscope::EngineUpdate &update);

private:
    void printTask(const loopscope::TaskRecord &task);

    QTextStream &m_out;
    bool m_quiet;
    std::optional<loopscope::TaskWriter> m_records;
    QSet<loopscope::BatchId> m_followed;
    QHash<loopscope::TaskId, loopscope::TaskId> m_retryOf;
    // Tasks whose start was printed and whose end was not yet, with the last attempt whose
    // retry wait was printed. Updates are coalesced, so one may carry both the start and the
    // end of a short task.
    QHash<loopscope::TaskId, int> m_started;
    QHash<loopscope::BatchId, int> m_attemptsAllowed;
    QSet<loopscope::BatchId> m_blockedSaid; // batches whose per-host wait was printed, once each
};
