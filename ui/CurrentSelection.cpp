#include "CurrentSelection.h"

#include "BatchListModel.h"
#include "TaskFilterProxy.h"

#include <QTableView>

namespace loopscope {

CurrentSelection::CurrentSelection(const QTableView &taskView, const TaskFilterProxy &taskFilter, const QTableView &batchView,
                                   const BatchListModel &batches)
    : m_taskView(taskView)
    , m_taskFilter(taskFilter)
    , m_batchView(batchView)
    , m_batches(batches)
{
}

QList<int> CurrentSelection::taskRows() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_taskView.selectionModel()->selectedRows())
        rows.append(m_taskFilter.mapToSource(index).row());
    return rows;
}

bool CurrentSelection::hasTasks() const
{
    return m_taskView.selectionModel()->hasSelection();
}

int CurrentSelection::currentTaskRow() const
{
    const QModelIndex current = m_taskView.currentIndex();
    return current.isValid() ? m_taskFilter.mapToSource(current).row() : -1;
}

BatchId CurrentSelection::batch() const
{
    const QModelIndexList rows = m_batchView.selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : m_batches.batch(rows.first().row()).id;
}

} // namespace loopscope
