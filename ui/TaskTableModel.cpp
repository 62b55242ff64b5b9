#include "TaskTableModel.h"

#include "ChangedRows.h"
#include "EngineClock.h"
#include "Format.h"
#include "Icons.h"
#include "OnPool.h"

#include <QBrush>
#include <QPalette>

#include <algorithm>
#include <memory>

namespace loopscope {

int TaskTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_tasks.size());
}

int TaskTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TaskTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Id: return tr("ID");
    case Url: return tr("URL");
    case State: return tr("State");
    case Worker: return tr("Worker");
    case Attempts: return tr("Attempts");
    case HttpStatus: return tr("HTTP");
    case Size: return tr("Size");
    case Progress: return tr("Progress");
    case Speed: return tr("Speed");
    case Eta: return tr("ETA");
    case Queued: return tr("Queued");
    case Run: return tr("Run time");
    case Error: return tr("Error");
    case File: return tr("File");
    }
    return {};
}

double TaskTableModel::speed(const TaskRecord &task, qint64 now)
{
    const qint64 runMs = task.runMs(now);
    return task.startedAt >= 0 && runMs > 0 ? task.bytesReceived * 1000.0 / double(runMs) : 0;
}

qint64 TaskTableModel::etaMs(const TaskRecord &task, qint64 now)
{
    const double bytesPerSecond = speed(task, now);
    if (task.state != TaskState::Running || task.bytesTotal <= 0 || bytesPerSecond <= 0)
        return -1;
    return qint64(double(std::max(qint64(0), task.bytesTotal - task.bytesReceived)) * 1000.0 / bytesPerSecond);
}

QVariant TaskTableModel::display(const TaskRecord &task, int column) const
{
    switch (column) {
    case Id: return QString::number(task.id);
    case Url: return m_urlTexts[size_t(m_rowById.value(task.id))];
    case State:
        if (task.state == TaskState::Running && task.retryAt >= 0)
            return tr("retrying in %1").arg(formatSeconds(EngineClock::msUntil(task.retryAt)));
        return stateName(task.state);
    case Worker: return task.worker;
    case Attempts: return task.attempts > 0 ? QString::number(task.attempts) : QString();
    case HttpStatus: return task.httpStatus > 0 ? QString::number(task.httpStatus) : QString();
    case Size:
        if (task.bytesTotal > 0 && !isTerminal(task.state))
            return QString(formatBytes(task.bytesReceived) + u" / " + formatBytes(task.bytesTotal));
        return task.startedAt >= 0 ? formatBytes(task.bytesReceived) : QString();
    case Speed: {
        const double bytesPerSecond = speed(task, EngineClock::now());
        return bytesPerSecond > 0 ? QString(formatBytes(qint64(bytesPerSecond)) + tr("/s")) : QString();
    }
    case Eta: {
        const qint64 ms = etaMs(task, EngineClock::now());
        return ms >= 0 ? formatSeconds(ms) : QString();
    }
    case Queued: return formatSeconds(task.queuedMs(EngineClock::now()));
    case Run: return task.startedAt >= 0 ? formatSeconds(task.runMs(EngineClock::now())) : QString();
    case Error: return task.error;
    case File: return task.savedPath;
    }
    return {};
}

QVariant TaskTableModel::sortKey(const TaskRecord &task, int column) const
{
    switch (column) {
    case Id: return task.id;
    case State: return int(task.state);
    case Attempts: return task.attempts;
    case HttpStatus: return task.httpStatus;
    case Size:
    case Progress: return task.bytesReceived;
    case Queued: return task.queuedMs(EngineClock::now());
    case Run: return task.runMs(EngineClock::now());
    case Speed: return speed(task, EngineClock::now());
    case Eta: return etaMs(task, EngineClock::now());
    default: return display(task, column);
    }
}

QVariant TaskTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const TaskRecord &task = m_tasks[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return display(task, index.column());
    case Qt::DecorationRole:
        return index.column() == State ? stateIcon(task.state) : QVariant();
    case Qt::ToolTipRole:
        if (!task.error.isEmpty())
            return QString(m_urlTexts[size_t(index.row())] + u"\n" + task.error);
        return index.column() == Url ? m_urlTexts[size_t(index.row())] : QVariant();
    case Qt::ForegroundRole:
        return task.state == TaskState::Failed && index.column() == Error ? QBrush(Qt::darkRed) : QVariant();
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case Id: case Attempts: case HttpStatus: case Size: case Speed: case Eta: case Queued: case Run:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        }
        return {};
    case SortRole: return sortKey(task, index.column());
    case ProgressRole:
        if (index.column() != Progress)
            return {};
        if (task.state == TaskState::Succeeded)
            return 1000;
        return task.bytesTotal > 0 ? int(task.bytesReceived * 1000 / task.bytesTotal) : -1;
    }
    return {};
}

void TaskTableModel::apply(const QList<TaskRecord> &tasks)
{
    ChangedRows changed;
    QList<const TaskRecord *> added;
    for (const TaskRecord &task : tasks) {
        const int row = m_rowById.value(task.id, -1);
        if (row < 0) {
            added.append(&task);
        } else {
            m_tasks[size_t(row)] = task;
            changed.add(row);
        }
    }
    // A task's id never changes: the task table, sorted by it unless asked otherwise, keeps its order.
    changed.emitFor(*this, ColumnCount, Url);
    if (added.isEmpty())
        return;
    const int first = int(m_tasks.size());
    beginInsertRows({}, first, first + int(added.size()) - 1);
    for (const TaskRecord *task : std::as_const(added)) {
        m_rowById.insert(task->id, int(m_tasks.size()));
        m_tasks.push_back(*task);
        m_urlTexts.push_back(task->url.toDisplayString());
    }
    endInsertRows();
}

void TaskTableModel::removeBatches(const QSet<BatchId> &batches)
{
    // A reset rather than a removal per range: the rows of a batch interleave with those of
    // batches queued at the same time, and most rows usually go.
    beginResetModel();
    std::deque<TaskRecord> tasks;
    std::deque<QString> urlTexts;
    QHash<TaskId, int> rowById;
    for (size_t row = 0; row < m_tasks.size(); ++row) {
        if (batches.contains(m_tasks[row].batch))
            continue;
        rowById.insert(m_tasks[row].id, int(tasks.size()));
        tasks.push_back(std::move(m_tasks[row]));
        urlTexts.push_back(std::move(m_urlTexts[row]));
    }
    freeElsewhere(std::pair(std::exchange(m_tasks, std::move(tasks)), std::exchange(m_urlTexts, std::move(urlTexts))));
    m_rowById = std::move(rowById);
    endResetModel();
}

} // namespace loopscope
