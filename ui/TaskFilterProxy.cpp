#include "TaskFilterProxy.h"

#include "TaskTableModel.h"

namespace loopscope {

TaskFilterProxy::TaskFilterProxy(TaskTableModel *source, QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_source(source)
{
    setSourceModel(source);
    setSortRole(TaskTableModel::SortRole);
}

void TaskFilterProxy::setBatch(BatchId batch)
{
    m_batch = batch;
    invalidateRowsFilter();
}

void TaskFilterProxy::setStateFilter(StateFilter filter)
{
    m_state = filter;
    invalidateRowsFilter();
}

void TaskFilterProxy::setText(const QString &text)
{
    m_text = text.trimmed();
    invalidateRowsFilter();
}

bool TaskFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const TaskRecord &task = m_source->task(sourceRow);
    if (m_batch && task.batch != m_batch)
        return false;
    switch (m_state) {
    case StateFilter::All: break;
    case StateFilter::NotSucceeded:
        if (task.state == TaskState::Succeeded)
            return false;
        break;
    default:
        if (int(task.state) != int(m_state) - 1)
            return false;
    }
    if (m_text.isEmpty())
        return true;
    return m_source->urlText(sourceRow).contains(m_text, Qt::CaseInsensitive)
        || task.error.contains(m_text, Qt::CaseInsensitive);
}

// The rows come in the order the tasks were queued, which is their ids' order: sorted by id
// ascending, the table shows them as they are. Kept sorted instead, the proxy would compare
// each new row with the others as it arrives, a cost that grows with the table.
void TaskFilterProxy::sort(int column, Qt::SortOrder order)
{
    QSortFilterProxyModel::sort(column == TaskTableModel::Id && order == Qt::AscendingOrder ? -1 : column, order);
}

} // namespace loopscope
