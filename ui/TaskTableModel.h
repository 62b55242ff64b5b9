#pragma once

#include "TaskRecord.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>

#include <deque>

namespace loopscope {

// Every task the engine has published, one row each, in the order they were queued.
// Fed by engine updates; live timers are computed on each data() call, so repainting the
// visible rows is all it takes to make them tick.
class TaskTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, Url, State, Worker, Attempts, HttpStatus, Size, Progress, Speed, Eta, Queued, Run, Error, File, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1, ProgressRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void apply(const QList<TaskRecord> &tasks);
    // Forgets the tasks of these batches, and the memory they took.
    void removeBatches(const QSet<BatchId> &batches);
    const TaskRecord &task(int row) const { return m_tasks[size_t(row)]; }
    int rowOf(TaskId id) const { return m_rowById.value(id, -1); }
    // The URL as shown, formatted once: filtering 100,000 rows must not format 100,000 URLs.
    const QString &urlText(int row) const { return m_urlTexts[size_t(row)]; }

    // Bytes a second over the run so far; 0 until known.
    static double speed(const TaskRecord &task, qint64 now);
    // Milliseconds left at that speed while running with a known size; -1 otherwise.
    static qint64 etaMs(const TaskRecord &task, qint64 now);

private:
    QVariant display(const TaskRecord &task, int column) const;
    QVariant sortKey(const TaskRecord &task, int column) const;

    // Deques: a table of 100,000 rows that grows is never moved whole, as a vector is each
    // time it outgrows its room (tens of MiB copied within one update).
    std::deque<TaskRecord> m_tasks;
    std::deque<QString> m_urlTexts;
    QHash<TaskId, int> m_rowById;
};

} // namespace loopscope
