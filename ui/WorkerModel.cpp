#include "WorkerModel.h"

#include "ChangedRows.h"
#include "EngineClock.h"
#include "Format.h"

#include <algorithm>

namespace loopscope {

int WorkerModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int WorkerModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WorkerModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Worker: return tr("Worker");
    case Batch: return tr("Batch");
    case Doing: return tr("Doing");
    case For: return tr("For");
    }
    return {};
}

QVariant WorkerModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid) || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    switch (index.column()) {
    case Worker: return row.worker;
    case Batch: return row.batchName;
    case Doing: return doing(row);
    case For: return row.since >= 0 ? formatSeconds(EngineClock::now() - row.since) : QString();
    }
    return {};
}

QString WorkerModel::doing(const Row &row) const
{
    if (!row.task) {
        const QString blocked = m_blocked.value(row.batch);
        return blocked.isEmpty() ? tr("idle") : blocked;
    }
    if (row.retryAt >= 0)
        return tr("waiting %1 to retry %2")
            .arg(formatSeconds(EngineClock::msUntil(row.retryAt)), row.url.toDisplayString());
    return tr("getting %1").arg(row.url.toDisplayString());
}

int WorkerModel::rowOf(BatchId batch, const QString &worker) const
{
    const auto it = std::find_if(m_rows.begin(), m_rows.end(),
                                 [&](const Row &row) { return row.batch == batch && row.worker == worker; });
    return it == m_rows.end() ? -1 : int(it - m_rows.begin());
}

void WorkerModel::apply(const EngineUpdate &update)
{
    // New batches bring their workers; finished ones take theirs away.
    for (const BatchRecord &batch : update.batches) {
        const bool present = std::any_of(m_rows.begin(), m_rows.end(), [&](const Row &row) { return row.batch == batch.id; });
        if (batch.finished() && present) {
            beginResetModel();
            std::erase_if(m_rows, [&](const Row &row) { return row.batch == batch.id; });
            endResetModel();
        } else if (!batch.finished() && !present) {
            const int first = int(m_rows.size());
            const int workers = std::min(batch.settings.concurrency, std::max(batch.total, 1));
            beginInsertRows({}, first, first + workers - 1);
            for (int i = 0; i < workers; ++i)
                m_rows.push_back({batch.id, batch.name, workerName(i), 0, {}, -1, -1});
            endInsertRows();
        }
    }
    ChangedRows changed;
    // Idle workers say why when per-host limits hold them back.
    for (const BatchRecord &batch : update.batches) {
        const QString blocked = batch.finished() ? QString() : batch.blockedText();
        if (blocked == m_blocked.value(batch.id))
            continue;
        if (blocked.isEmpty())
            m_blocked.remove(batch.id);
        else
            m_blocked.insert(batch.id, blocked);
        for (size_t i = 0; i < m_rows.size(); ++i) {
            if (m_rows[i].batch == batch.id && !m_rows[i].task)
                changed.add(int(i));
        }
    }
    for (const TaskRecord &task : update.tasks) {
        if (task.worker.isEmpty())
            continue;
        const int index = rowOf(task.batch, task.worker);
        if (index < 0)
            continue;
        Row &row = m_rows[size_t(index)];
        if (task.state == TaskState::Running) {
            row.task = task.id;
            row.url = task.url;
            row.since = task.startedAt;
            row.retryAt = task.retryAt;
        } else if (row.task == task.id) {
            row.task = 0;
            row.since = task.finishedAt;
            row.retryAt = -1;
        } else {
            continue;
        }
        changed.add(index);
    }
    changed.emitFor(*this, ColumnCount);
}

} // namespace loopscope
