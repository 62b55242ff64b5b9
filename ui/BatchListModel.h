#pragma once

#include "BatchRecord.h"

#include <QAbstractTableModel>
#include <QSet>

#include <vector>

namespace loopscope {

// One row per batch (the queues), with live elapsed time and the concurrency gain.
class BatchListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Progress, Work, Queued, Running, Succeeded, Failed, Cancelled, Elapsed, ColumnCount };
    enum Role { ProgressRole = Qt::UserRole + 1 };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void apply(const QList<BatchRecord> &batches);
    void removeBatches(const QSet<BatchId> &batches);
    const BatchRecord &batch(int row) const { return m_batches[size_t(row)]; }
    const std::vector<BatchRecord> &batches() const { return m_batches; }
    int rowOf(BatchId id) const;

    // "32.0 s of work in 17.0 s — 1.9×"
    static QString workSummary(const BatchRecord &batch, qint64 now);

private:
    std::vector<BatchRecord> m_batches;
};

} // namespace loopscope
