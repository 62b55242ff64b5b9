#include "HistoryModel.h"

#include "Format.h"

#include <QDateTime>
#include <QLocale>

namespace loopscope {

int HistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_batches.size());
}

int HistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Id: return tr("ID");
    case Name: return tr("Batch");
    case Queued: return tr("Queued at");
    case Tasks: return tr("Tasks");
    case Succeeded: return tr("Succeeded");
    case Failed: return tr("Failed");
    case Cancelled: return tr("Cancelled");
    case Unfinished: return tr("Unfinished");
    case Work: return tr("Work done");
    }
    return {};
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const HistoryBatch &batch = m_batches[index.row()];
    if (role == Qt::TextAlignmentRole)
        return index.column() == Name || index.column() == Work ? QVariant() : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Id: return qulonglong(batch.id);
    case Name: return batch.retryOf ? tr("%1 (retries batch %2)").arg(batch.name).arg(batch.retryOf) : batch.name;
    case Queued:
        return QLocale().toString(QDateTime::fromMSecsSinceEpoch(batch.createdAt).toLocalTime(), QLocale::ShortFormat);
    case Tasks: return batch.total;
    case Succeeded: return batch.succeeded;
    case Failed: return batch.failed;
    case Cancelled: return batch.cancelled;
    case Unfinished: return batch.unfinished;
    case Work:
        if (batch.elapsedMs <= 0)
            return {};
        return tr("%1 of work in %2 — %3")
            .arg(formatSeconds(batch.sumRunMs), formatSeconds(batch.elapsedMs), formatGain(double(batch.sumRunMs) / double(batch.elapsedMs)));
    }
    return {};
}

void HistoryModel::setBatches(const QList<HistoryBatch> &batches)
{
    beginResetModel();
    m_batches = batches;
    endResetModel();
}

} // namespace loopscope
