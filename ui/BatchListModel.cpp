#include "BatchListModel.h"

#include "ChangedRows.h"
#include "EngineClock.h"
#include "Format.h"

#include <algorithm>

namespace loopscope {

int BatchListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_batches.size());
}

int BatchListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BatchListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Batch");
    case Progress: return tr("Progress");
    case Queued: return tr("Queued");
    case Running: return tr("Running");
    case Succeeded: return tr("Succeeded");
    case Failed: return tr("Failed");
    case Cancelled: return tr("Cancelled");
    case Elapsed: return tr("Elapsed");
    case Work: return tr("Work done");
    }
    return {};
}

QString BatchListModel::workSummary(const BatchRecord &batch, qint64 now)
{
    if (batch.firstStartedAt < 0)
        return {};
    return tr("%1 of work in %2 — %3")
        .arg(formatSeconds(batch.sumRunMs(now)), formatSeconds(batch.elapsedMs(now)), formatGain(batch.gain(now)));
}

QVariant BatchListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const BatchRecord &batch = m_batches[size_t(index.row())];
    const qint64 now = EngineClock::now();
    const auto count = [&](TaskState state) { return batch.count(state); };
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name: return batch.name;
        case Progress: return tr("%1 / %2").arg(batch.done()).arg(batch.total);
        case Queued: return count(TaskState::Queued);
        case Running: return count(TaskState::Running);
        case Succeeded: return count(TaskState::Succeeded);
        case Failed: return count(TaskState::Failed);
        case Cancelled: return count(TaskState::Cancelled);
        case Elapsed: return batch.firstStartedAt >= 0 ? formatSeconds(batch.elapsedMs(now)) : QString();
        case Work: return workSummary(batch, now);
        }
        return {};
    case Qt::ToolTipRole:
        return tr("%1: %2 tasks, %3 workers, %4 per host, %5 s timeout, %6 retries%7")
            .arg(batch.name)
            .arg(batch.total)
            .arg(batch.settings.concurrency)
            .arg(batch.settings.hostLimit())
            .arg(batch.settings.timeoutMs / 1000.0)
            .arg(batch.settings.retries)
            .arg(batch.settings.limitRate > 0 ? tr(", at most %1/s").arg(formatBytes(batch.settings.limitRate)) : QString());
    case Qt::TextAlignmentRole:
        return index.column() == Name || index.column() == Work ? QVariant() : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    case ProgressRole:
        return index.column() == Progress ? (batch.total ? int(qint64(batch.done()) * 1000 / batch.total) : 1000) : QVariant();
    }
    return {};
}

int BatchListModel::rowOf(BatchId id) const
{
    const auto it = std::find_if(m_batches.begin(), m_batches.end(), [id](const BatchRecord &b) { return b.id == id; });
    return it == m_batches.end() ? -1 : int(it - m_batches.begin());
}

void BatchListModel::apply(const QList<BatchRecord> &batches)
{
    ChangedRows changed;
    for (const BatchRecord &batch : batches) {
        const int row = rowOf(batch.id);
        if (row >= 0) {
            m_batches[size_t(row)] = batch;
            changed.add(row);
            continue;
        }
        const int last = int(m_batches.size());
        beginInsertRows({}, last, last);
        m_batches.push_back(batch);
        endInsertRows();
    }
    changed.emitFor(*this, ColumnCount);
}

void BatchListModel::removeBatches(const QSet<BatchId> &batches)
{
    for (int row = int(m_batches.size()) - 1; row >= 0; --row) {
        if (!batches.contains(m_batches[size_t(row)].id))
            continue;
        beginRemoveRows({}, row, row);
        m_batches.erase(m_batches.begin() + row);
        endRemoveRows();
    }
}

} // namespace loopscope
