#pragma once

#include "BatchRecord.h"

#include <QAbstractTableModel>

#include <vector>

namespace loopscope {

class TaskTableModel;

// The Hosts panel's table: per host of a batch, its connections in use and its limit, tasks
// done and failed, the median time to the first byte, the bytes received, and why it is
// slowed, if it is. Worked out from the task table's records on refresh().
class HostsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Host, InUse, Done, Failed, FirstByte, Bytes, Slowed, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // batch null: no rows.
    void refresh(const TaskTableModel &tasks, const BatchRecord *batch);
    // "example.org", "127.0.0.1:8080": the host of a URL as written, port included when given.
    static QString hostOf(const QString &url);

private:
    struct Row {
        QString host;
        int running = 0;
        int limit = 0;
        int done = 0;
        int failed = 0;
        double firstByteMs = -1; // median; -1: none yet
        qint64 bytes = 0;
        QString slowed;
    };
    std::vector<Row> m_rows;
};

} // namespace loopscope
