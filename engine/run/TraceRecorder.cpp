#include "TraceRecorder.h"

#include "ChromeTrace.h"
#include "Engine.h"
#include "LoopMonitor.h"
#include "OnPool.h"

#include <algorithm>

namespace loopscope {

TraceRecorder::TraceRecorder(Engine &engine, QObject *parent)
    : QObject(parent)
{
    engine.observe(this, [this](const EngineUpdate &update) { take(update); });
    engine.observeLoopReports(this, [this](const LoopReport &report) { m_reports.push_back(report); });
    engine.observeSlowCallbacks(this, [this](const SlowCallback &callback) { m_slowCallbacks.push_back(callback); });
}

void TraceRecorder::follow(LoopMonitor &monitor)
{
    connect(&monitor, &LoopMonitor::reported, this, [this](const LoopReport &report) { m_reports.push_back(report); });
    connect(&monitor, &LoopMonitor::slowCallback, this, [this](const SlowCallback &callback) { m_slowCallbacks.push_back(callback); });
}

void TraceRecorder::take(const EngineUpdate &update)
{
    for (const BatchRecord &batch : update.batches)
        m_batches[batch.id] = batch;
    for (const TaskRecord &task : update.tasks)
        if (isTerminal(task.state))
            m_tasks.push_back(TaskSpan::from(task));
}

void TraceRecorder::removeBatches(const QSet<BatchId> &batches)
{
    for (const BatchId id : batches)
        m_batches.erase(id);
    std::vector<TaskSpan> kept;
    for (TaskSpan &task : m_tasks)
        if (!batches.contains(task.batch))
            kept.push_back(std::move(task));
    freeElsewhere(std::exchange(m_tasks, std::move(kept)));
}

QByteArray TraceRecorder::trace(const QList<BatchId> &batches) const
{
    qint64 fromMs = -1, toMs = -1;
    std::vector<const BatchRecord *> chosen;
    for (const BatchId id : batches) {
        const auto it = m_batches.find(id);
        if (it == m_batches.end() || it->second.firstStartedAt < 0)
            continue;
        const BatchRecord &batch = it->second;
        chosen.push_back(&batch);
        fromMs = fromMs < 0 ? batch.firstStartedAt : std::min(fromMs, batch.firstStartedAt);
        toMs = std::max({toMs, batch.lastFinishedAt, batch.firstStartedAt});
    }
    if (chosen.empty())
        return {};
    const auto isChosen = [&chosen](BatchId id) {
        return std::any_of(chosen.cbegin(), chosen.cend(), [id](const BatchRecord *batch) { return batch->id == id; });
    };
    const auto isNotification = [this](BatchId id) {
        const auto it = m_batches.find(id);
        return it != m_batches.end() && it->second.kind == BatchKind::Notifications;
    };
    ChromeTrace trace(fromMs);
    for (const BatchRecord *batch : chosen)
        trace.addBatch(*batch);
    qint64 endMs = toMs;
    for (const TaskSpan &task : m_tasks) {
        if (isChosen(task.batch)) {
            trace.addTask(task);
        } else if (isNotification(task.batch)
                   && std::any_of(chosen.cbegin(), chosen.cend(), [&task](const BatchRecord *batch) { return batch->notifiedAt(task.startedAt); })) {
            trace.addTask(task, true);
            endMs = std::max(endMs, task.finishedAt);
        }
    }
    for (const LoopReport &report : m_reports)
        if (report.at >= fromMs && report.at <= endMs + LoopMonitor::TickMs * LoopMonitor::ReportEveryTicks)
            trace.addLoopReport(report);
    for (const SlowCallback &callback : m_slowCallbacks)
        if (callback.at >= fromMs && callback.at <= endMs)
            trace.addSlowCallback(callback);
    return trace.toJson();
}

} // namespace loopscope
