#pragma once

#include "BatchLauncher.h"
#include "BatchRecord.h"
#include "CurrentSelection.h"
#include "HistoryBatch.h"
#include "TaskCommands.h"

#include <QMainWindow>
#include <QSet>
#include <QCoroTask>

class QAction;
class QDockWidget;
class QLabel;
class QSplitter;
class QTableView;

namespace loopscope {

class BatchListModel;
class DesktopNotices;
class Engine;
class History;
class HistoryDialog;
class HostsModel;
class LoopHistory;
class LoopMonitor;
class NotificationPreferences;
class QueueController;
class ResumePrompt;
class TaskFilterProxy;
class TaskTableModel;
class TimelineModel;
class TimelineView;
class TraceRecorder;
class WorkerModel;

// The monitor: queues, tasks and workers, live. It builds the widgets and wires them to the
// controllers that send the engine its commands; engine updates reach the views through the
// models only.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // With a history, every batch is recorded before it runs, and work a crash left
    // unfinished is offered for resuming.
    explicit MainWindow(Engine &engine, History *history = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Queues each file as a batch named after it (parsed off the GUI thread).
    void importFiles(const QStringList &paths);
    // Queues the URLs in text as a batch, after the same validation as everywhere.
    void queueText(const QString &text, const QString &batchName);
    // Quit without asking (SIGINT/SIGTERM): running work is cancelled on the way out.
    void quitNow();

    // Over every batch, for the status bar and the quit question.
    int unfinishedTaskCount() const;

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createLayout();
    void createActions();
    void createLoopViews();
    void createTimeline();
    void createHostsPanel();
    void refreshHosts();
    void showTimelineOfSelection();
    QCoro::Task<> showRecordedTimeline(HistoryBatch batch);
    void selectTask(TaskId task);
    void restoreSettings();
    void saveSettings() const;

    void applyUpdate(const EngineUpdate &update);
    void refreshLive();
    void updateStatus();
    void updateActions();
    void showHistory();
    void exportTrace();
    void showBatchDetails();
    QSet<BatchId> finishedBatches() const;
    void removeFinishedBatches();
    QCoro::Task<> startUp();

    Engine &m_engine;
    BatchLauncher m_launcher;
    TaskTableModel *m_tasks;
    TaskFilterProxy *m_taskFilter;
    BatchListModel *m_batches;
    WorkerModel *m_workers;
    QTableView *m_batchView;
    QTableView *m_workerView;
    QTableView *m_taskView;
    CurrentSelection m_selection;
    QueueController *m_queue;
    TaskCommands m_commands;
    NotificationPreferences *m_notifications;
    ResumePrompt *m_resumePrompt;
    DesktopNotices *m_notices = nullptr;
    LoopMonitor *m_guiLoop;
    LoopHistory *m_loopHistory;
    QDockWidget *m_loopsDock = nullptr;
    TraceRecorder *m_trace;
    TimelineModel *m_timeline;
    TimelineView *m_timelineView = nullptr;
    QDockWidget *m_timelineDock = nullptr;
    bool m_timelineShowsRecorded = false; // a batch from the history, until another is selected
    HostsModel *m_hosts;
    QDockWidget *m_hostsDock = nullptr;

    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_topSplitter = nullptr;
    QLabel *m_statusCounts = nullptr;

    QAction *m_cancelTasksAction = nullptr;
    QAction *m_cancelBatchAction = nullptr;
    QAction *m_cancelAllAction = nullptr;
    QAction *m_retryTasksAction = nullptr;
    QAction *m_retryBatchAction = nullptr;
    QAction *m_detailsAction = nullptr;
    QAction *m_batchDetailsAction = nullptr;
    QAction *m_removeFinishedAction = nullptr;
    HistoryDialog *m_historyDialog = nullptr;

    bool m_quitConfirmed = false;
};

} // namespace loopscope
