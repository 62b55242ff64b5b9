#pragma once

#include "HistoryBatch.h"

#include <QAbstractTableModel>

namespace loopscope {

// The batches of the history, newest first, as the History dialog lists them.
class HistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, Name, Queued, Tasks, Succeeded, Failed, Cancelled, Unfinished, Work, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setBatches(const QList<HistoryBatch> &batches);
    const HistoryBatch &batch(int row) const { return m_batches[row]; }

private:
    QList<HistoryBatch> m_batches;
};

} // namespace loopscope
