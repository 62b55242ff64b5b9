#pragma once

#include "BatchLauncher.h"
#include "BatchRecord.h"
#include "HistoryBatch.h"
#include "NotificationConfig.h"
#include "UrlList.h"

#include <QMainWindow>
#include <QSet>
#include <QCoroTask>

class BatchListModel;
class HistoryDialog;
class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QMimeData;
class QSplitter;
class QSystemTrayIcon;
class QTableView;
class TaskFilterProxy;
class TaskTableModel;
class WorkerModel;

namespace loopscope {
class Engine;
class History;
}

// The monitor: queues, tasks and workers, live. It renders engine updates and sends
// commands; it never touches worker-side objects.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // With a history, every batch is recorded before it runs, and work a crash left
    // unfinished is offered for resuming.
    explicit MainWindow(loopscope::Engine &engine, loopscope::History *history = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Queues each file as a batch named after it (parsed off the GUI thread).
    void importFiles(const QStringList &paths);
    // Queues the URLs in text as a batch, after the same validation as everywhere.
    void queueText(const QString &text, const QString &batchName);
    // Quit without asking (SIGINT/SIGTERM): running work is cancelled on the way out.
    void quitNow();

    // Counts over every batch, for the status bar and the quit question.
    int unfinishedTaskCount() const;

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void createLayout();
    void restoreSettings();
    void saveSettings() const;

    void applyUpdate(const loopscope::EngineUpdate &update);
    void refreshLive();
    void updateStatus();
    void updateActions();

    void addUrls();
    void importDialog();
    void pasteUrls();
    void queueMimeData(const QMimeData &data, const QString &batchName);
    // retryOf, when given, names the task each URL retries.
    void queueParsed(const loopscope::UrlList &urls, const QString &batchName, const loopscope::BatchSettings &settings,
                     const QList<loopscope::TaskId> &retryOf = {});
    QCoro::Task<> launch(QString batchName, QList<QUrl> urls, loopscope::BatchSettings settings, QList<loopscope::TaskId> retryOf);
    QCoro::Task<> startUp();
    QCoro::Task<> offerResume();
    enum class ResumeChoice { Resume, Discard, Later };
    ResumeChoice askAboutUnfinished(const QList<loopscope::HistoryBatch> &orphans);
    void showHistory();
    void cancelSelectedTasks();
    void cancelSelectedBatch();
    void cancelEverything();
    void retrySelectedTasks();
    void retryFailedOfBatch();
    void showSelectedTaskDetails();
    void selectBatch();
    void editNotifications();
    QCoro::Task<> loadNotifications();
    QCoro::Task<> storePassword();
    void applyNotifications();
    void announceFinishedBatches(const QList<loopscope::BatchRecord> &batches);

    QList<int> selectedTaskRows() const; // rows of the task model
    loopscope::BatchId selectedBatch() const;
    QString nextBatchName(const QString &stem);
    loopscope::BatchSettings defaultSettings() const;

    loopscope::Engine &m_engine;
    loopscope::BatchLauncher m_launcher;
    TaskTableModel *m_tasks;
    TaskFilterProxy *m_taskFilter;
    BatchListModel *m_batches;
    WorkerModel *m_workers;
    QTableView *m_taskView;
    QTableView *m_batchView;
    QTableView *m_workerView;
    QSplitter *m_mainSplitter;
    QSplitter *m_topSplitter;
    QComboBox *m_stateFilter;
    QLineEdit *m_textFilter;
    QCheckBox *m_allBatches;
    QLabel *m_statusCounts;

    QAction *m_addAction;
    QAction *m_importAction;
    QAction *m_pasteAction;
    QAction *m_cancelTasksAction;
    QAction *m_cancelBatchAction;
    QAction *m_cancelAllAction;
    QAction *m_retryTasksAction;
    QAction *m_retryBatchAction;
    QAction *m_detailsAction;
    QAction *m_quitAction;
    QAction *m_notificationsAction;
    QAction *m_historyAction;
    HistoryDialog *m_historyDialog = nullptr;

    NotificationConfig m_notifyConfig;
    QString m_smtpPassword; // for this run; stored in the keychain, never in the settings file
    QSystemTrayIcon *m_tray = nullptr;
    QSet<loopscope::BatchId> m_announced;

    int m_batchCounter = 0;
    bool m_quitConfirmed = false;
};
