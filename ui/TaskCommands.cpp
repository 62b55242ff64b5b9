#include "TaskCommands.h"

#include "BatchDefaults.h"
#include "BatchListModel.h"
#include "CurrentSelection.h"
#include "Engine.h"
#include "OverallProgress.h"
#include "QueueController.h"
#include "TaskDetailsDialog.h"
#include "TaskTableModel.h"

#include <QMessageBox>

namespace loopscope {

namespace {
constexpr int ConfirmCancelAbove = 50; // cancelling more tasks than this asks first

bool retryable(TaskState state)
{
    return state == TaskState::Failed || state == TaskState::Cancelled;
}
} // namespace

TaskCommands::TaskCommands(Engine &engine, QueueController &queue, const TaskTableModel &tasks, const BatchListModel &batches,
                           const CurrentSelection &selection, QWidget *window)
    : m_engine(engine)
    , m_queue(queue)
    , m_tasks(tasks)
    , m_batches(batches)
    , m_selection(selection)
    , m_window(window)
{
}

TaskCommands::Applicable TaskCommands::applicable() const
{
    Applicable can;
    for (const int row : m_selection.taskRows()) {
        const TaskState state = m_tasks.task(row).state;
        can.cancelTasks |= !isTerminal(state);
        can.requeueTasks |= retryable(state);
    }
    const int batchRow = m_batches.rowOf(m_selection.batch());
    const BatchRecord *batch = batchRow >= 0 ? &m_batches.batch(batchRow) : nullptr;
    can.details = m_selection.hasTasks();
    can.cancelBatch = batch && !batch->finished();
    can.requeueBatch = batch && batch->count(TaskState::Failed) + batch->count(TaskState::Cancelled) > 0;
    can.cancelAll = OverallProgress(m_batches.batches()).unfinished() > 0;
    return can;
}

void TaskCommands::cancelSelectedTasks()
{
    const QList<int> rows = m_selection.taskRows();
    if (rows.size() > ConfirmCancelAbove
        && QMessageBox::question(m_window, tr("Cancel Tasks"), tr("Cancel %1 selected tasks?").arg(rows.size()))
               != QMessageBox::Yes)
        return;
    for (const int row : rows) {
        if (!isTerminal(m_tasks.task(row).state))
            m_engine.cancelTask(m_tasks.task(row).id);
    }
}

void TaskCommands::cancelSelectedBatch()
{
    if (const BatchId batch = m_selection.batch())
        m_engine.cancelBatch(batch);
}

void TaskCommands::cancelEverything()
{
    const int unfinished = OverallProgress(m_batches.batches()).unfinished();
    if (unfinished == 0)
        return;
    if (unfinished > ConfirmCancelAbove
        && QMessageBox::question(m_window, tr("Cancel Everything"),
                                 tr("Cancel all %1 running and queued tasks?").arg(unfinished))
               != QMessageBox::Yes)
        return;
    m_engine.cancelAll();
}

void TaskCommands::requeueSelectedTasks()
{
    // A finished task stays as it ended; re-queuing makes a new batch of new tasks (or, for
    // a notification, a new notification task).
    QList<QByteArray> urls;
    QList<TaskId> retryOf;
    BatchSettings settings = BatchDefaults::load();
    QString name;
    for (const int row : m_selection.taskRows()) {
        const TaskRecord &task = m_tasks.task(row);
        if (!retryable(task.state))
            continue;
        const int batchRow = m_batches.rowOf(task.batch);
        if (batchRow >= 0 && m_batches.batch(batchRow).kind == BatchKind::Notifications) {
            m_engine.retryNotification(task.id);
            continue;
        }
        urls << task.url.toEncoded();
        retryOf << task.id;
        if (batchRow >= 0 && name.isEmpty()) {
            name = tr("%1 (re-queued)").arg(m_batches.batch(batchRow).name);
            settings = m_batches.batch(batchRow).settings;
        }
    }
    if (!urls.isEmpty())
        m_queue.queueUrls({urls, {}}, name, settings, retryOf);
}

void TaskCommands::requeueFailedOfBatch()
{
    const BatchId batch = m_selection.batch();
    const int batchRow = m_batches.rowOf(batch);
    if (batchRow < 0)
        return;
    QList<QByteArray> urls;
    QList<TaskId> retryOf;
    const BatchRecord &record = m_batches.batch(batchRow);
    for (int row = 0; row < m_tasks.rowCount(); ++row) {
        const TaskRecord &task = m_tasks.task(row);
        if (task.batch != batch || !retryable(task.state))
            continue;
        if (record.kind == BatchKind::Notifications) {
            m_engine.retryNotification(task.id);
        } else {
            urls << task.url.toEncoded();
            retryOf << task.id;
        }
    }
    if (!urls.isEmpty())
        m_queue.queueUrls({urls, {}}, tr("%1 (re-queued)").arg(record.name), record.settings, retryOf);
}

void TaskCommands::showSelectedTaskDetails()
{
    const int row = m_selection.currentTaskRow();
    if (row < 0)
        return;
    TaskDetailsDialog dialog(m_tasks.task(row), m_window);
    dialog.exec();
}

} // namespace loopscope
