#pragma once

#include <QCoreApplication>

class QWidget;

namespace loopscope {

class BatchListModel;
class CurrentSelection;
class Engine;
class QueueController;
class TaskTableModel;

// What the user can do to tasks and batches once queued: cancel the selected tasks, the
// selected batch or everything, re-queue what failed or was cancelled, open a task's details.
// Cancelling goes to the engine as a command; the models learn the outcome from its updates.
class TaskCommands {
    Q_DECLARE_TR_FUNCTIONS(TaskCommands)
public:
    // window: the parent of the questions and dialogs this opens.
    TaskCommands(Engine &engine, QueueController &queue, const TaskTableModel &tasks, const BatchListModel &batches,
                 const CurrentSelection &selection, QWidget *window);

    // Which commands apply to the selection now.
    struct Applicable {
        bool cancelTasks = false;
        bool requeueTasks = false;
        bool details = false;
        bool cancelBatch = false;
        bool requeueBatch = false;
        bool cancelAll = false;
    };
    Applicable applicable() const;

    void cancelSelectedTasks();
    void cancelSelectedBatch();
    void cancelEverything();
    void requeueSelectedTasks();
    void requeueFailedOfBatch(); // and its cancelled ones
    void showSelectedTaskDetails();

private:
    Engine &m_engine;
    QueueController &m_queue;
    const TaskTableModel &m_tasks;
    const BatchListModel &m_batches;
    const CurrentSelection &m_selection;
    QWidget *m_window;
};

} // namespace loopscope
