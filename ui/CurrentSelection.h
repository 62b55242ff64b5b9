#pragma once

#include "BatchRecord.h"

#include <QList>

class QTableView;

namespace loopscope {

class BatchListModel;
class TaskFilterProxy;

// What the user has selected in the task and batch tables, as rows of the models behind
// them (the task table shows them through its filter).
class CurrentSelection {
public:
    CurrentSelection(const QTableView &taskView, const TaskFilterProxy &taskFilter, const QTableView &batchView,
                     const BatchListModel &batches);

    QList<int> taskRows() const;
    bool hasTasks() const;
    int currentTaskRow() const;     // -1: none
    BatchId batch() const; // 0: none

private:
    const QTableView &m_taskView;
    const TaskFilterProxy &m_taskFilter;
    const QTableView &m_batchView;
    const BatchListModel &m_batches;
};

} // namespace loopscope
