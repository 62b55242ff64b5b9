#pragma once

#include "BatchRecord.h"

#include <QAbstractTableModel>
#include <QHash>

#include <vector>

namespace loopscope {

// What each named worker of each unfinished batch is doing now, and for how long; idle
// workers show as idle since their last task ended.
class WorkerModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Worker, Batch, For, Doing, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void apply(const EngineUpdate &update);

private:
    struct Row {
        BatchId batch;
        QString batchName;
        QString worker;
        TaskId task = 0; // 0: idle
        QUrl url;
        qint64 since = -1;
        qint64 retryAt = -1; // waiting to try the task again until then
    };
    QString doing(const Row &row) const;
    int rowOf(BatchId batch, const QString &worker) const;

    std::vector<Row> m_rows;
    QHash<BatchId, QString> m_blocked; // why a batch's idle workers wait, if they do
};

} // namespace loopscope
