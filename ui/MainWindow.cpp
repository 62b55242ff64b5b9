#include "MainWindow.h"

#include "BatchDetailsDialog.h"
#include "BatchListModel.h"
#include "DesktopNotices.h"
#include "Engine.h"
#include "EngineClock.h"
#include "Format.h"
#include "History.h"
#include "HistoryDialog.h"
#include "HostsModel.h"
#include "Icons.h"
#include "LoopHistory.h"
#include "LoopLagChart.h"
#include "LoopMonitor.h"
#include "LoopsPanel.h"
#include "NotificationPreferences.h"
#include "OverallProgress.h"
#include "ProgressDelegate.h"
#include "QueueController.h"
#include "ResumePrompt.h"
#include "TaskFilterBar.h"
#include "TaskFilterProxy.h"
#include "TaskTableModel.h"
#include "TimelineModel.h"
#include "TimelinePanel.h"
#include "TimelineView.h"
#include "TraceRecorder.h"
#include "WorkerModel.h"

#include <QAction>
#include <QCloseEvent>
#include <QCoroFuture>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
constexpr int LiveRefreshMs = 200;

QTableView *makeTable(QAbstractItemModel *model, const QString &objectName, const QString &accessibleName, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setObjectName(objectName);
    view->setAccessibleName(accessibleName);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
    return view;
}
} // namespace

MainWindow::MainWindow(Engine &engine, History *history, QWidget *parent)
    : QMainWindow(parent)
    , m_engine(engine)
    , m_launcher(engine, history)
    , m_tasks(new TaskTableModel(this))
    , m_taskFilter(new TaskFilterProxy(m_tasks, this))
    , m_batches(new BatchListModel(this))
    , m_workers(new WorkerModel(this))
    , m_batchView(makeTable(m_batches, u"batchView"_s, tr("Queues"), this))
    , m_workerView(makeTable(m_workers, u"workerView"_s, tr("Workers"), this))
    , m_taskView(makeTable(m_taskFilter, u"taskView"_s, tr("Tasks"), this))
    , m_selection(*m_taskView, *m_taskFilter, *m_batchView, *m_batches)
    , m_queue(new QueueController(m_launcher, this))
    , m_commands(engine, *m_queue, *m_tasks, *m_batches, m_selection, this)
    , m_notifications(new NotificationPreferences(engine, this))
    , m_resumePrompt(new ResumePrompt(m_launcher, this))
    , m_guiLoop(new LoopMonitor(u"GUI loop"_s, this))
    , m_loopHistory(new LoopHistory(this))
    , m_trace(new TraceRecorder(engine, this))
    , m_timeline(new TimelineModel(this))
    , m_hosts(new HostsModel(this))
{
    setWindowTitle(tr("Loopscope"));
    setWindowIcon(themedIcon(u"loopscope"_s, u"network-workgroup"_s));
    setAcceptDrops(true);
    createLayout();
    createTimeline();
    createHostsPanel();
    createLoopViews();
    createActions();
    restoreSettings();
    updateStatus();
    updateActions();

    connect(m_queue, &QueueController::statusMessage, statusBar(), &QStatusBar::showMessage);
    connect(m_notifications, &NotificationPreferences::statusMessage, statusBar(), &QStatusBar::showMessage);
    connect(m_resumePrompt, &ResumePrompt::statusMessage, statusBar(), &QStatusBar::showMessage);
    connect(&m_engine, &Engine::updated, this, &MainWindow::applyUpdate);
    if (history) {
        // Said once per failure; open(), not exec(): the window goes on showing its batches meanwhile.
        history->onFailure(this, [this](const Failure &failure) {
            statusBar()->showMessage(failure.message, 30'000);
            auto *box = new QMessageBox(QMessageBox::Warning, tr("History Failed"), failure.message, QMessageBox::Ok, this);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        });
    }
    m_notices = new DesktopNotices(*m_notifications, statusBar(), this);
    QTimer::singleShot(0, this, &MainWindow::startUp); // after the window shows: it may ask questions
    auto *live = new QTimer(this);
    connect(live, &QTimer::timeout, this, &MainWindow::refreshLive);
    live->start(LiveRefreshMs);
}

MainWindow::~MainWindow() = default;

void MainWindow::createLayout()
{
    m_batchView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_batchView->setItemDelegateForColumn(BatchListModel::Progress, new ProgressDelegate(BatchListModel::ProgressRole, this));
    m_workerView->setSelectionMode(QAbstractItemView::NoSelection);
    m_workerView->setFocusPolicy(Qt::NoFocus);

    m_taskFilter->setDynamicSortFilter(true);
    m_taskView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_taskView->setSortingEnabled(true);
    m_taskView->sortByColumn(TaskTableModel::Id, Qt::AscendingOrder);
    m_taskView->setItemDelegateForColumn(TaskTableModel::Progress, new ProgressDelegate(TaskTableModel::ProgressRole, this));
    m_taskView->setColumnWidth(TaskTableModel::Url, 360);
    for (int column = BatchListModel::Queued; column <= BatchListModel::Elapsed; ++column)
        m_batchView->setColumnWidth(column, 70);
    m_batchView->setColumnWidth(BatchListModel::Name, 130);
    m_batchView->setColumnWidth(BatchListModel::Progress, 110);
    m_batchView->setColumnWidth(BatchListModel::Work, 220);
    m_workerView->setColumnWidth(WorkerModel::Worker, 80);
    m_workerView->setColumnWidth(WorkerModel::For, 60);
    for (const int column : {TaskTableModel::Id, TaskTableModel::Attempts, TaskTableModel::HttpStatus})
        m_taskView->setColumnWidth(column, 64);
    auto *filterBar = new TaskFilterBar(*m_taskFilter, m_selection, this);
    connect(m_batchView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this, filterBar] {
        filterBar->batchSelectionChanged();
        updateActions();
    });
    connect(m_taskView->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::updateActions);
    connect(m_taskView, &QAbstractItemView::activated, this, [this] { m_commands.showSelectedTaskDetails(); });

    auto *taskPanel = new QWidget(this);
    auto *taskLayout = new QVBoxLayout(taskPanel);
    taskLayout->setContentsMargins(0, 0, 0, 0);
    taskLayout->addWidget(filterBar);
    taskLayout->addWidget(m_taskView, 1);

    m_topSplitter = new QSplitter(Qt::Horizontal, this);
    m_topSplitter->addWidget(m_batchView);
    m_topSplitter->addWidget(m_workerView);
    m_topSplitter->setStretchFactor(0, 3);
    m_topSplitter->setStretchFactor(1, 2);
    m_topSplitter->setSizes({760, 440});
    m_topSplitter->setObjectName(u"topSplitter"_s);
    m_mainSplitter = new QSplitter(Qt::Vertical, this);
    m_mainSplitter->setObjectName(u"mainSplitter"_s);
    m_mainSplitter->addWidget(m_topSplitter);
    m_mainSplitter->addWidget(taskPanel);
    m_mainSplitter->setStretchFactor(0, 1);
    m_mainSplitter->setStretchFactor(1, 2);
    setCentralWidget(m_mainSplitter);

    m_statusCounts = new QLabel(this);
    m_statusCounts->setAccessibleName(tr("Overall progress"));
    statusBar()->addPermanentWidget(m_statusCounts);
}

// The timeline of the selected batch (or the newest), docked below the tables; clicking a bar
// selects its task in the table, and selecting a task there marks its bar.
void MainWindow::createTimeline()
{
    auto *panel = new TimelinePanel(*m_timeline, this);
    m_timelineView = panel->view();
    m_timelineDock = new QDockWidget(tr("Timeline"), this);
    m_timelineDock->setObjectName(u"timelineDock"_s);
    m_timelineDock->setWidget(panel);
    addDockWidget(Qt::BottomDockWidgetArea, m_timelineDock);
    connect(m_timelineView, &TimelineView::taskActivated, this, &MainWindow::selectTask);
    connect(m_batchView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        m_timelineShowsRecorded = false;
        showTimelineOfSelection();
    });
    connect(m_taskView->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] {
        const int row = m_selection.currentTaskRow();
        m_timelineView->setSelectedTask(row < 0 ? 0 : m_tasks->task(row).id);
    });
}

// Per host of the batch the timeline shows: connections, results, first-byte time, and why it
// is slowed. Worked out once a second while the panel is shown.
void MainWindow::createHostsPanel()
{
    auto *view = makeTable(m_hosts, u"hostView"_s, tr("Hosts"), this);
    view->setSelectionMode(QAbstractItemView::NoSelection);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setColumnWidth(HostsModel::Host, 200);
    view->setColumnWidth(HostsModel::FirstByte, 130);
    m_hostsDock = new QDockWidget(tr("Hosts"), this);
    m_hostsDock->setObjectName(u"hostsDock"_s);
    m_hostsDock->setWidget(view);
    addDockWidget(Qt::BottomDockWidgetArea, m_hostsDock);
    tabifyDockWidget(m_timelineDock, m_hostsDock);
    auto *refresh = new QTimer(this);
    connect(refresh, &QTimer::timeout, this, &MainWindow::refreshHosts);
    connect(m_hostsDock, &QDockWidget::visibilityChanged, this, [this, refresh](bool visible) {
        if (visible) {
            refreshHosts();
            refresh->start(1000);
        } else {
            refresh->stop();
        }
    });
}

void MainWindow::refreshHosts()
{
    const BatchId shown = m_timelineView->batch();
    const std::vector<BatchRecord> &batches = m_batches->batches();
    const auto batch = std::find_if(batches.begin(), batches.end(), [shown](const BatchRecord &record) { return record.id == shown; });
    m_hosts->refresh(*m_tasks, batch == batches.end() ? nullptr : &*batch);
}

// A past batch, as the history recorded it, on the timeline (and so in the Hosts panel and
// Where the Time Went).
QCoro::Task<> MainWindow::showRecordedTimeline(HistoryBatch batch)
{
    History *history = m_launcher.history();
    if (!history)
        co_return;
    QPointer<MainWindow> self(this);
    const QList<TaskSpan> spans = co_await history->spans(batch.id);
    if (!self)
        co_return;
    BatchRecord record;
    record.id = batch.id;
    record.name = batch.name;
    record.settings = batch.settings;
    record.total = batch.total;
    record.counts[int(TaskState::Succeeded)] = batch.succeeded;
    record.counts[int(TaskState::Failed)] = batch.failed;
    record.counts[int(TaskState::Cancelled)] = batch.cancelled;
    record.counts[int(TaskState::Queued)] = batch.unfinished;
    for (const TaskSpan &span : spans) {
        record.firstStartedAt = record.firstStartedAt < 0 ? span.startedAt : std::min(record.firstStartedAt, span.startedAt);
        record.lastFinishedAt = std::max(record.lastFinishedAt, span.finishedAt);
    }
    m_timeline->load(record, spans);
    m_timelineShowsRecorded = true;
    m_timelineView->setBatch(batch.id);
    m_timelineDock->show();
    m_timelineDock->raise();
    statusBar()->showMessage(tr("The timeline shows batch %1 “%2” as recorded: %3").arg(batch.id).arg(batch.name, countOf(spans.size(), tr("task that ran"), tr("tasks that ran"))), 10'000);
}

void MainWindow::showTimelineOfSelection()
{
    BatchId batch = m_selection.batch();
    const std::vector<BatchRecord> &batches = m_batches->batches();
    for (auto it = batches.rbegin(); batch == 0 && it != batches.rend(); ++it)
        if (it->kind == BatchKind::Fetches)
            batch = it->id;
    m_timelineView->setBatch(batch);
}

void MainWindow::selectTask(TaskId task)
{
    const int row = m_tasks->rowOf(task);
    if (row < 0)
        return;
    const QModelIndex shown = m_taskFilter->mapFromSource(m_tasks->index(row, 0));
    if (!shown.isValid()) {
        statusBar()->showMessage(tr("Task %1 is hidden by the task filter").arg(task), 5000);
        return;
    }
    m_taskView->selectionModel()->setCurrentIndex(shown, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_taskView->scrollTo(shown);
}

// The health of the GUI loop and the engine's worker loop: a sparkline each in the status bar,
// and the Loops panel, docked below, that a click on either opens.
void MainWindow::createLoopViews()
{
    connect(m_guiLoop, &LoopMonitor::reported, m_loopHistory, &LoopHistory::addReport);
    connect(m_guiLoop, &LoopMonitor::slowCallback, m_loopHistory, &LoopHistory::addSlowCallback);
    m_engine.observeLoopReports(m_loopHistory, [history = m_loopHistory](const LoopReport &report) { history->addReport(report); });
    m_engine.observeSlowCallbacks(m_loopHistory, [history = m_loopHistory](const SlowCallback &callback) { history->addSlowCallback(callback); });
    m_trace->follow(*m_guiLoop);
    m_guiLoop->start();

    m_loopsDock = new QDockWidget(tr("Loops"), this);
    m_loopsDock->setObjectName(u"loopsDock"_s);
    m_loopsDock->setWidget(new LoopsPanel(*m_loopHistory, m_loopsDock));
    addDockWidget(Qt::BottomDockWidgetArea, m_loopsDock);
    tabifyDockWidget(m_hostsDock, m_loopsDock);
    m_loopsDock->hide();
    for (const auto &[loop, label] : {std::pair(u"GUI loop"_s, tr("GUI")), std::pair(u"worker loop"_s, tr("Worker"))}) {
        auto *name = new QLabel(label, this);
        auto *sparkline = new LoopLagChart(*m_loopHistory, loop, LoopLagChart::Style::Sparkline, this);
        name->setToolTip(tr("Lag of the %1: click the sparkline for the Loops panel").arg(loop));
        connect(sparkline, &LoopLagChart::clicked, m_loopsDock, [dock = m_loopsDock] {
            dock->show();
            dock->raise();
        });
        statusBar()->addPermanentWidget(name);
        statusBar()->addPermanentWidget(sparkline);
    }
}

void MainWindow::createActions()
{
    const auto action = [this](const QString &name, const QString &text, const QIcon &icon, const QKeySequence &shortcut, auto slot) {
        auto *a = new QAction(icon, text, this);
        a->setObjectName(name);
        a->setShortcut(shortcut);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    QAction *add = action(u"addUrlsAction"_s, tr("&Add URLs…"), themedIcon(u"add"_s, u"list-add"_s), QKeySequence(Qt::CTRL | Qt::Key_N),
                          [this] { m_queue->addUrls(); });
    QAction *import = action(u"importAction"_s, tr("&Import…"), themedIcon(u"import"_s, u"document-open"_s), QKeySequence::Open,
                             [this] { m_queue->importDialog(); });
    QAction *paste = action(u"pasteAction"_s, tr("&Paste URLs"), QIcon::fromTheme(u"edit-paste"_s), QKeySequence::Paste,
                            [this] { m_queue->pasteUrls(); });
    m_cancelTasksAction = action(u"cancelTasksAction"_s, tr("&Cancel Selected Tasks"), themedIcon(u"cancel-task"_s, u"process-stop"_s),
                                 QKeySequence::Delete, [this] { m_commands.cancelSelectedTasks(); });
    m_cancelBatchAction = action(u"cancelBatchAction"_s, tr("Cancel &Batch"), themedIcon(u"cancel-task"_s, u"process-stop"_s), {},
                                 [this] { m_commands.cancelSelectedBatch(); });
    m_cancelAllAction = action(u"cancelAllAction"_s, tr("Cancel &Everything"), themedIcon(u"cancel-all"_s, u"process-stop"_s),
                               QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete), [this] { m_commands.cancelEverything(); });
    m_retryTasksAction = action(u"requeueTasksAction"_s, tr("&Re-queue Selected Tasks"), themedIcon(u"retry"_s, u"view-refresh"_s),
                                QKeySequence(Qt::CTRL | Qt::Key_R), [this] { m_commands.requeueSelectedTasks(); });
    m_retryBatchAction = action(u"requeueBatchAction"_s, tr("Re-queue &Failed and Cancelled"), themedIcon(u"retry"_s, u"view-refresh"_s),
                                {}, [this] { m_commands.requeueFailedOfBatch(); });
    m_detailsAction = action(u"detailsAction"_s, tr("&Details…"), QIcon::fromTheme(u"document-properties"_s), {},
                             [this] { m_commands.showSelectedTaskDetails(); });
    m_batchDetailsAction = action(u"batchDetailsAction"_s, tr("Where the Time &Went…"), QIcon::fromTheme(u"view-statistics"_s), {},
                                  &MainWindow::showBatchDetails);
    m_batchDetailsAction->setToolTip(tr("Histograms of each phase of the selected batch's attempts, by host"));
    m_removeFinishedAction = action(u"removeFinishedAction"_s, tr("Remove &Finished Batches"), QIcon::fromTheme(u"edit-clear"_s), {},
                                    &MainWindow::removeFinishedBatches);
    m_removeFinishedAction->setToolTip(tr("Clear the batches that ended from every view; the history keeps them"));
    QAction *quit = action(u"quitAction"_s, tr("&Quit"), QIcon::fromTheme(u"application-exit"_s), QKeySequence::Quit, &QWidget::close);
    QAction *notifications = action(u"notificationsAction"_s, tr("&Notifications…"), QIcon::fromTheme(u"mail-send"_s), {},
                                    [this] { m_notifications->edit(); });
    QAction *history = action(u"historyAction"_s, tr("&History…"), QIcon::fromTheme(u"document-open-recent"_s),
                              QKeySequence(Qt::CTRL | Qt::Key_H), &MainWindow::showHistory);
    history->setEnabled(m_launcher.history() != nullptr);
    QAction *exportTrace = action(u"exportTraceAction"_s, tr("Export &Trace…"), QIcon::fromTheme(u"document-save-as"_s), {},
                                  &MainWindow::exportTrace);
    exportTrace->setToolTip(tr("Save the selected batch, or every batch, as a trace for Perfetto or chrome://tracing"));
    m_cancelAllAction->setToolTip(tr("Cancel every running and queued task (%1)").arg(m_cancelAllAction->shortcut().toString(QKeySequence::NativeText)));

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addActions({add, import, paste});
    file->addSeparator();
    file->addAction(history);
    file->addAction(exportTrace);
    file->addSeparator();
    file->addAction(quit);
    QMenu *tasks = menuBar()->addMenu(tr("&Tasks"));
    tasks->addActions({m_detailsAction, m_cancelTasksAction, m_retryTasksAction});
    tasks->addSeparator();
    tasks->addActions({m_cancelBatchAction, m_retryBatchAction, m_batchDetailsAction});
    tasks->addSeparator();
    tasks->addAction(m_cancelAllAction);
    tasks->addAction(m_removeFinishedAction);
    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *timeline = m_timelineDock->toggleViewAction();
    timeline->setObjectName(u"timelineAction"_s);
    timeline->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    view->addAction(timeline);
    QAction *hosts = m_hostsDock->toggleViewAction();
    hosts->setObjectName(u"hostsAction"_s);
    view->addAction(hosts);
    QAction *loops = m_loopsDock->toggleViewAction();
    loops->setObjectName(u"loopsAction"_s);
    loops->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    view->addAction(loops);
    QMenu *settingsMenu = menuBar()->addMenu(tr("&Settings"));
    settingsMenu->addAction(notifications);

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(u"mainToolBar"_s);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addActions({add, import});
    toolbar->addSeparator();
    toolbar->addActions({m_cancelTasksAction, m_cancelAllAction});

    m_taskView->addActions({m_detailsAction, m_cancelTasksAction, m_retryTasksAction});
    m_batchView->addActions({m_cancelBatchAction, m_retryBatchAction, m_batchDetailsAction});
}

void MainWindow::showBatchDetails()
{
    const BatchId batch = m_timelineShowsRecorded ? m_timelineView->batch() : m_selection.batch();
    if (batch == 0)
        return;
    auto *details = new BatchDetailsDialog(*m_timeline, batch, this);
    details->setAttribute(Qt::WA_DeleteOnClose);
    details->open();
}

// The selected batch, or every batch of this session, as Chrome trace-event JSON.
void MainWindow::exportTrace()
{
    QList<BatchId> batches;
    if (const BatchId selected = m_selection.batch())
        batches << selected;
    else
        for (const BatchRecord &batch : m_batches->batches())
            batches << batch.id;
    const QByteArray trace = m_trace->trace(batches);
    if (trace.isEmpty()) {
        statusBar()->showMessage(tr("Nothing to export: no batch has started yet"), 10'000);
        return;
    }
    const QString name = batches.size() == 1 ? u"batch-%1.trace.json"_s.arg(batches.first()) : u"loopscope.trace.json"_s;
    QSettings settings;
    const QString folder = settings.value(u"trace/folder"_s).toString();
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Trace"), folder.isEmpty() ? name : folder + u'/' + name,
                                                      tr("Trace (*.json)"));
    if (path.isEmpty())
        return;
    settings.setValue(u"trace/folder"_s, QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(trace) != trace.size() || !file.flush()) {
        QMessageBox::warning(this, tr("Export Trace"), tr("Cannot write %1: %2").arg(path, file.errorString()));
        return;
    }
    statusBar()->showMessage(tr("Trace of %1 saved to %2: open it in Perfetto (ui.perfetto.dev) or chrome://tracing")
                                 .arg(countOf(batches.size(), tr("batch"), tr("batches")), path),
                             30'000);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(u"window/geometry"_s).toByteArray());
    restoreState(settings.value(u"window/state"_s).toByteArray());
    m_mainSplitter->restoreState(settings.value(u"window/mainSplitter"_s).toByteArray());
    m_topSplitter->restoreState(settings.value(u"window/topSplitter"_s).toByteArray());
    m_taskView->horizontalHeader()->restoreState(settings.value(u"window/taskColumns"_s).toByteArray());
    m_batchView->horizontalHeader()->restoreState(settings.value(u"window/batchColumns"_s).toByteArray());
    m_workerView->horizontalHeader()->restoreState(settings.value(u"window/workerColumns"_s).toByteArray());
    if (!settings.contains(u"window/geometry"_s))
        resize(1200, 720);
    if (!settings.contains(u"window/state"_s))
        QTimer::singleShot(0, m_timelineDock, &QDockWidget::raise); // the first tab the user sees, once laid out
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(u"window/geometry"_s, saveGeometry());
    settings.setValue(u"window/state"_s, saveState());
    settings.setValue(u"window/mainSplitter"_s, m_mainSplitter->saveState());
    settings.setValue(u"window/topSplitter"_s, m_topSplitter->saveState());
    settings.setValue(u"window/taskColumns"_s, m_taskView->horizontalHeader()->saveState());
    settings.setValue(u"window/batchColumns"_s, m_batchView->horizontalHeader()->saveState());
    settings.setValue(u"window/workerColumns"_s, m_workerView->horizontalHeader()->saveState());
}

void MainWindow::applyUpdate(const EngineUpdate &update)
{
    m_batches->apply(update.batches);
    m_tasks->apply(update.tasks);
    m_workers->apply(update);
    m_timeline->apply(update);
    if (!m_timelineShowsRecorded && (m_timelineView->batch() == 0 || (m_selection.batch() == 0 && !update.batches.isEmpty())))
        showTimelineOfSelection();
    m_notices->announceFinished(update.batches);
    updateStatus();
    updateActions();
}

QCoro::Task<> MainWindow::startUp()
{
    QPointer<MainWindow> self(this);
    co_await m_notifications->load();
    if (self)
        co_await m_resumePrompt->offer();
}

void MainWindow::showHistory()
{
    History *history = m_launcher.history();
    if (!history)
        return;
    if (!m_historyDialog) {
        m_historyDialog = new HistoryDialog(*history, this);
        connect(m_historyDialog, &HistoryDialog::queueRequested, m_queue,
                [this](const QString &name, const QList<QUrl> &urls, const BatchSettings &settings, const QList<TaskId> &retryOf) {
                    m_queue->queueUrls({encodedUrls(urls), {}}, name, settings, retryOf);
                });
        connect(m_historyDialog, &HistoryDialog::timelineRequested, this, &MainWindow::showRecordedTimeline);
    }
    m_historyDialog->refresh();
    m_historyDialog->show();
    m_historyDialog->raise();
    m_historyDialog->activateWindow();
}

void MainWindow::refreshLive()
{
    // Timers are computed when painted: repainting the visible rows makes them tick.
    if (unfinishedTaskCount() == 0)
        return;
    m_taskView->viewport()->update();
    m_batchView->viewport()->update();
    m_workerView->viewport()->update();
    updateStatus();
}

int MainWindow::unfinishedTaskCount() const
{
    return OverallProgress(m_batches->batches()).unfinished();
}

void MainWindow::updateStatus()
{
    m_statusCounts->setText(OverallProgress(m_batches->batches()).text(EngineClock::now()));
}

void MainWindow::updateActions()
{
    const TaskCommands::Applicable can = m_commands.applicable();
    m_cancelTasksAction->setEnabled(can.cancelTasks);
    m_retryTasksAction->setEnabled(can.requeueTasks);
    m_detailsAction->setEnabled(can.details);
    m_cancelBatchAction->setEnabled(can.cancelBatch);
    m_retryBatchAction->setEnabled(can.requeueBatch);
    m_cancelAllAction->setEnabled(can.cancelAll);
    m_batchDetailsAction->setEnabled(m_selection.batch() != 0 || m_timelineShowsRecorded);
    m_removeFinishedAction->setEnabled(!finishedBatches().isEmpty());
}

QSet<BatchId> MainWindow::finishedBatches() const
{
    QSet<BatchId> finished;
    for (const BatchRecord &batch : m_batches->batches()) {
        if (batch.kind == BatchKind::Fetches && batch.finished())
            finished.insert(batch.id);
    }
    return finished;
}

// As download managers clear their finished downloads: a long session keeps only what is
// still running in memory. The history keeps every batch (File → History).
void MainWindow::removeFinishedBatches()
{
    const QSet<BatchId> finished = finishedBatches();
    m_tasks->removeBatches(finished);
    m_batches->removeBatches(finished);
    m_timeline->removeBatches(finished);
    m_trace->removeBatches(finished);
    showTimelineOfSelection();
    refreshHosts();
    updateStatus();
    updateActions();
}

void MainWindow::queueText(const QString &text, const QString &batchName)
{
    m_queue->queueText(text, batchName);
}

void MainWindow::importFiles(const QStringList &paths)
{
    m_queue->importFiles(paths);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() || event->mimeData()->hasText())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    m_queue->queueDropped(*event->mimeData());
    event->acceptProposedAction();
}

void MainWindow::quitNow()
{
    m_quitConfirmed = true;
    close();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    const int unfinished = unfinishedTaskCount();
    if (unfinished > 0 && !m_quitConfirmed
        && QMessageBox::question(this, tr("Quit Loopscope"),
                                 tr("%1 still running or queued. Cancel and quit?")
                                     .arg(countOf(unfinished, tr("task is"), tr("tasks are"))))
               != QMessageBox::Yes) {
        event->ignore();
        return;
    }
    saveSettings();
    m_engine.cancelAll(CancelReason::Shutdown);
    event->accept();
}

} // namespace loopscope
