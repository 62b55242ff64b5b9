#pragma once

#include "TaskRecord.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace loopscope {

class TaskTableModel;

// The task table as the user narrows it: one batch or all, one state or all (or "not
// succeeded"), and text found in the URL or the error.
class TaskFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class StateFilter { All, Queued, Running, Succeeded, Failed, Cancelled, NotSucceeded };

    explicit TaskFilterProxy(TaskTableModel *source, QObject *parent = nullptr);

    void setBatch(BatchId batch); // 0: every batch
    void setStateFilter(StateFilter filter);
    void setText(const QString &text);

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    TaskTableModel *m_source;
    BatchId m_batch = 0;
    StateFilter m_state = StateFilter::All;
    QString m_text;
};

} // namespace loopscope
