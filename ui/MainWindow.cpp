#include "MainWindow.h"

#include "BatchListModel.h"
#include "Engine.h"
#include "EngineClock.h"
#include "Format.h"
#include "Icons.h"
#include "ProgressDelegate.h"
#include "TaskDetailsDialog.h"
#include "TaskFilterProxy.h"
#include "TaskTableModel.h"
#include "UrlImport.h"
#include "WorkerModel.h"
#include "AddUrlsDialog.h"
#include "History.h"
#include "HistoryDialog.h"
#include "NotificationSettingsDialog.h"
#include "PasswordStore.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QInputDialog>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSystemTrayIcon>
#include <QMimeData>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <QCoroFuture>

using namespace loopscope;

namespace {
constexpr int LiveRefreshMs = 200;
constexpr int FilterDelayMs = 150;
constexpr int ConfirmCancelAbove = 50; // cancelling more tasks than this asks first

QTableView *makeTable(QAbstractItemModel *model, const QString &name, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setObjectName(QString(name).remove(u' '));
    view->setAccessibleName(name);
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

// Runs then() on the GUI thread once a background parse is done.
template<typename Then>
void whenParsed(QObject *context, const QFuture<UrlList> &future, Then then)
{
    auto *watcher = new QFutureWatcher<UrlList>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, then] {
        then(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(future);
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
{
    setWindowTitle(tr("Loopscope"));
    setWindowIcon(themedIcon(u"loopscope"_qs, u"network-workgroup"_qs));
    setAcceptDrops(true);
    createLayout();
    createActions();
    restoreSettings();
    updateStatus();
    updateActions();

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
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        m_tray->setToolTip(tr("Loopscope"));
        m_tray->show();
    }
    QTimer::singleShot(0, this, &MainWindow::startUp); // after the window shows: it may ask questions
    auto *live = new QTimer(this);
    connect(live, &QTimer::timeout, this, &MainWindow::refreshLive);
    live->start(LiveRefreshMs);
}

MainWindow::~MainWindow() = default;

void MainWindow::createLayout()
{
    m_batchView = makeTable(m_batches, tr("Queues"), this);
    m_batchView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_batchView->setItemDelegateForColumn(BatchListModel::Progress, new ProgressDelegate(BatchListModel::ProgressRole, this));
    m_workerView = makeTable(m_workers, tr("Workers"), this);
    m_workerView->setSelectionMode(QAbstractItemView::NoSelection);
    m_workerView->setFocusPolicy(Qt::NoFocus);

    m_taskFilter->setDynamicSortFilter(true);
    m_taskView = makeTable(m_taskFilter, tr("Tasks"), this);
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

    m_stateFilter = new QComboBox(this);
    m_stateFilter->setObjectName(u"stateFilter"_qs);
    m_stateFilter->setAccessibleName(tr("State filter"));
    m_stateFilter->addItems({tr("All states"), tr("Queued"), tr("Running"), tr("Succeeded"), tr("Failed"), tr("Cancelled"),
                             tr("Not succeeded")});
    m_textFilter = new QLineEdit(this);
    m_textFilter->setObjectName(u"textFilter"_qs);
    m_textFilter->setAccessibleName(tr("Text filter"));
    m_textFilter->setPlaceholderText(tr("Filter by URL or error…"));
    m_textFilter->setClearButtonEnabled(true);
    m_allBatches = new QCheckBox(tr("&All batches"), this);
    m_allBatches->setChecked(true);
    connect(m_stateFilter, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_taskFilter->setStateFilter(TaskFilterProxy::StateFilter(index)); });
    // Typing refilters once the user pauses, not on every key.
    auto *filterDelay = new QTimer(this);
    filterDelay->setSingleShot(true);
    filterDelay->setInterval(FilterDelayMs);
    connect(m_textFilter, &QLineEdit::textChanged, filterDelay, qOverload<>(&QTimer::start));
    connect(filterDelay, &QTimer::timeout, this, [this] { m_taskFilter->setText(m_textFilter->text()); });
    connect(m_allBatches, &QCheckBox::toggled, this, &MainWindow::selectBatch);
    connect(m_batchView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (selectedBatch())
            m_allBatches->setChecked(false);
        selectBatch();
        updateActions();
    });
    connect(m_taskView->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::updateActions);
    connect(m_taskView, &QAbstractItemView::activated, this, &MainWindow::showSelectedTaskDetails);

    auto *filterBar = new QHBoxLayout;
    auto *filterLabel = new QLabel(tr("&Show:"), this);
    filterLabel->setBuddy(m_stateFilter);
    filterBar->addWidget(filterLabel);
    filterBar->addWidget(m_stateFilter);
    filterBar->addWidget(m_textFilter, 1);
    filterBar->addWidget(m_allBatches);
    auto *taskPanel = new QWidget(this);
    auto *taskLayout = new QVBoxLayout(taskPanel);
    taskLayout->setContentsMargins(0, 0, 0, 0);
    taskLayout->addLayout(filterBar);
    taskLayout->addWidget(m_taskView, 1);

    m_topSplitter = new QSplitter(Qt::Horizontal, this);
    m_topSplitter->addWidget(m_batchView);
    m_topSplitter->addWidget(m_workerView);
    m_topSplitter->setStretchFactor(0, 3);
    m_topSplitter->setStretchFactor(1, 2);
    m_topSplitter->setSizes({760, 440});
    m_topSplitter->setObjectName(u"topSplitter"_qs);
    m_mainSplitter = new QSplitter(Qt::Vertical, this);
    m_mainSplitter->setObjectName(u"mainSplitter"_qs);
    m_mainSplitter->addWidget(m_topSplitter);
    m_mainSplitter->addWidget(taskPanel);
    m_mainSplitter->setStretchFactor(0, 1);
    m_mainSplitter->setStretchFactor(1, 2);
    setCentralWidget(m_mainSplitter);

    m_statusCounts = new QLabel(this);
    m_statusCounts->setAccessibleName(tr("Overall progress"));
    statusBar()->addPermanentWidget(m_statusCounts);
}

void MainWindow::createActions()
{
    const auto action = [this](const QString &text, const QIcon &icon, const QKeySequence &shortcut, auto slot) {
        auto *a = new QAction(icon, text, this);
        a->setObjectName(QString(text).remove(u'&').remove(u'…'));
        a->setShortcut(shortcut);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    m_addAction = action(tr("&Add URLs…"), themedIcon(u"add"_qs, u"list-add"_qs), QKeySequence(Qt::CTRL | Qt::Key_N), &MainWindow::addUrls);
    m_importAction = action(tr("&Import…"), themedIcon(u"import"_qs, u"document-open"_qs), QKeySequence::Open, &MainWindow::importDialog);
    m_pasteAction = action(tr("&Paste URLs"), QIcon::fromTheme(u"edit-paste"_qs), QKeySequence::Paste, &MainWindow::pasteUrls);
    m_cancelTasksAction = action(tr("&Cancel Selected Tasks"), themedIcon(u"cancel-task"_qs, u"process-stop"_qs),
                                 QKeySequence::Delete, &MainWindow::cancelSelectedTasks);
    m_cancelBatchAction = action(tr("Cancel &Batch"), themedIcon(u"cancel-task"_qs, u"process-stop"_qs), {}, &MainWindow::cancelSelectedBatch);
    m_cancelAllAction = action(tr("Cancel &Everything"), themedIcon(u"cancel-all"_qs, u"process-stop"_qs),
                               QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete), &MainWindow::cancelEverything);
    m_retryTasksAction = action(tr("&Re-queue Selected Tasks"), themedIcon(u"retry"_qs, u"view-refresh"_qs),
                                QKeySequence(Qt::CTRL | Qt::Key_R), &MainWindow::retrySelectedTasks);
    m_retryBatchAction = action(tr("Re-queue &Failed and Cancelled"), themedIcon(u"retry"_qs, u"view-refresh"_qs), {},
                                &MainWindow::retryFailedOfBatch);
    m_detailsAction = action(tr("&Details…"), QIcon::fromTheme(u"document-properties"_qs), {}, &MainWindow::showSelectedTaskDetails);
    m_quitAction = action(tr("&Quit"), QIcon::fromTheme(u"application-exit"_qs), QKeySequence::Quit, &QWidget::close);
    m_notificationsAction = action(tr("&Notifications…"), QIcon::fromTheme(u"mail-send"_qs), {}, &MainWindow::editNotifications);
    m_historyAction = action(tr("&History…"), QIcon::fromTheme(u"document-open-recent"_qs), QKeySequence(Qt::CTRL | Qt::Key_H),
                             &MainWindow::showHistory);
    m_historyAction->setEnabled(m_launcher.history() != nullptr);
    m_cancelAllAction->setToolTip(tr("Cancel every running and queued task (%1)").arg(m_cancelAllAction->shortcut().toString(QKeySequence::NativeText)));

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addActions({m_addAction, m_importAction, m_pasteAction});
    file->addSeparator();
    file->addAction(m_historyAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    QMenu *tasks = menuBar()->addMenu(tr("&Tasks"));
    tasks->addActions({m_detailsAction, m_cancelTasksAction, m_retryTasksAction});
    tasks->addSeparator();
    tasks->addActions({m_cancelBatchAction, m_retryBatchAction});
    tasks->addSeparator();
    tasks->addAction(m_cancelAllAction);
    QMenu *settingsMenu = menuBar()->addMenu(tr("&Settings"));
    settingsMenu->addAction(m_notificationsAction);

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(u"mainToolBar"_qs);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addActions({m_addAction, m_importAction});
    toolbar->addSeparator();
    toolbar->addActions({m_cancelTasksAction, m_cancelAllAction});

    m_taskView->addActions({m_detailsAction, m_cancelTasksAction, m_retryTasksAction});
    m_batchView->addActions({m_cancelBatchAction, m_retryBatchAction});
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(u"window/geometry"_qs).toByteArray());
    restoreState(settings.value(u"window/state"_qs).toByteArray());
    m_mainSplitter->restoreState(settings.value(u"window/mainSplitter"_qs).toByteArray());
    m_topSplitter->restoreState(settings.value(u"window/topSplitter"_qs).toByteArray());
    m_taskView->horizontalHeader()->restoreState(settings.value(u"window/taskColumns"_qs).toByteArray());
    m_batchView->horizontalHeader()->restoreState(settings.value(u"window/batchColumns"_qs).toByteArray());
    m_workerView->horizontalHeader()->restoreState(settings.value(u"window/workerColumns"_qs).toByteArray());
    if (!settings.contains(u"window/geometry"_qs))
        resize(1200, 720);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(u"window/geometry"_qs, saveGeometry());
    settings.setValue(u"window/state"_qs, saveState());
    settings.setValue(u"window/mainSplitter"_qs, m_mainSplitter->saveState());
    settings.setValue(u"window/topSplitter"_qs, m_topSplitter->saveState());
    settings.setValue(u"window/taskColumns"_qs, m_taskView->horizontalHeader()->saveState());
    settings.setValue(u"window/batchColumns"_qs, m_batchView->horizontalHeader()->saveState());
    settings.setValue(u"window/workerColumns"_qs, m_workerView->horizontalHeader()->saveState());
}

BatchSettings MainWindow::defaultSettings() const
{
    QSettings settings;
    BatchSettings defaults;
    defaults.concurrency = settings.value(u"batch/concurrency"_qs, defaults.concurrency).toInt();
    defaults.perHost = settings.value(u"batch/perHost"_qs, defaults.perHost).toInt();
    defaults.timeoutMs = settings.value(u"batch/timeoutMs"_qs, defaults.timeoutMs).toInt();
    defaults.retries = settings.value(u"batch/retries"_qs, defaults.retries).toInt();
    defaults.idleTimeoutMs = settings.value(u"batch/idleTimeoutMs"_qs, defaults.idleTimeoutMs).toInt();
    defaults.outputDir = settings.value(u"batch/outputDir"_qs).toString();
    defaults.overwrite = settings.value(u"batch/overwrite"_qs, false).toBool();
    return defaults;
}

QString MainWindow::nextBatchName(const QString &stem)
{
    return tr("%1 %2").arg(stem).arg(++m_batchCounter);
}

void MainWindow::applyUpdate(const EngineUpdate &update)
{
    m_batches->apply(update.batches);
    m_tasks->apply(update.tasks);
    m_workers->apply(update);
    announceFinishedBatches(update.batches);
    updateStatus();
    updateActions();
}

void MainWindow::announceFinishedBatches(const QList<BatchRecord> &batches)
{
    NotificationSettings policy;
    policy.when = NotifyWhen(m_notifyConfig.when);
    QString latest;
    for (const BatchRecord &batch : batches) {
        if (!batch.finished() || batch.kind == BatchKind::Notifications || m_announced.contains(batch.id))
            continue;
        m_announced.insert(batch.id);
        if (!m_notifyConfig.desktop || !policy.appliesTo(batch))
            continue;
        latest = tr("Batch “%1” finished: %2 succeeded, %3 failed, %4 cancelled")
                     .arg(batch.name)
                     .arg(batch.count(TaskState::Succeeded))
                     .arg(batch.count(TaskState::Failed))
                     .arg(batch.count(TaskState::Cancelled));
        if (m_tray)
            m_tray->showMessage(tr("Batch “%1” finished").arg(batch.name), BatchListModel::workSummary(batch, batch.lastFinishedAt));
    }
    // Without a tray the status bar says it, unless it is telling the user something else.
    if (!latest.isEmpty() && !m_tray && statusBar()->currentMessage().isEmpty())
        statusBar()->showMessage(latest, 15'000);
}

void MainWindow::applyNotifications()
{
    QString error;
    const auto settings = m_notifyConfig.toSettings(m_smtpPassword, &error);
    if (!settings) {
        statusBar()->showMessage(tr("Notifications are off: %1").arg(error), 15'000);
        m_engine.setNotifications({});
        return;
    }
    m_engine.setNotifications(*settings);
}

QCoro::Task<> MainWindow::startUp()
{
    QPointer<MainWindow> self(this);
    co_await loadNotifications();
    if (self)
        co_await offerResume();
}

MainWindow::ResumeChoice MainWindow::askAboutUnfinished(const QList<HistoryBatch> &orphans)
{
    QStringList names;
    int unfinished = 0;
    for (const HistoryBatch &batch : orphans) {
        names << tr("“%1” (%2 of %3 tasks unfinished)").arg(batch.name).arg(batch.unfinished).arg(batch.total);
        unfinished += batch.unfinished;
    }
    QMessageBox question(QMessageBox::Question, tr("Resume Unfinished Work"),
                         tr("Loopscope ended before finishing %1:\n\n%2\n\nTasks that had finished will not run again.")
                             .arg(countOf(orphans.size(), tr("batch"), tr("batches")), names.join(u'\n')),
                         QMessageBox::NoButton, this);
    QPushButton *resume = question.addButton(tr("&Resume %1").arg(countOf(unfinished, tr("Task"), tr("Tasks"))), QMessageBox::AcceptRole);
    QPushButton *discard = question.addButton(tr("&Discard"), QMessageBox::DestructiveRole);
    question.addButton(tr("&Later"), QMessageBox::RejectRole);
    question.setDefaultButton(resume);
    question.exec();
    if (question.clickedButton() == resume)
        return ResumeChoice::Resume;
    return question.clickedButton() == discard ? ResumeChoice::Discard : ResumeChoice::Later;
}

QCoro::Task<> MainWindow::offerResume()
{
    History *history = m_launcher.history();
    if (!history)
        co_return;
    QPointer<MainWindow> self(this);
    const QList<HistoryBatch> orphans = co_await history->orphaned();
    if (!self || orphans.isEmpty())
        co_return;
    // The question is asked outside this coroutine: a widget kept in its frame across a
    // co_await would be deleted twice should the window close first.
    const ResumeChoice choice = askAboutUnfinished(orphans);
    QList<BatchId> ids;
    for (const HistoryBatch &batch : orphans)
        ids << batch.id;
    if (choice == ResumeChoice::Resume) {
        const QList<BatchPlan> resumed = co_await m_launcher.resume(ids);
        if (self)
            statusBar()->showMessage(tr("Resumed %1").arg(countOf(resumed.size(), tr("batch"), tr("batches"))), 15'000);
    } else if (choice == ResumeChoice::Discard) {
        co_await history->discard(ids);
    }
}

QCoro::Task<> MainWindow::loadNotifications()
{
    QPointer<MainWindow> self(this);
    m_notifyConfig = NotificationConfig::load();
    if (m_notifyConfig.needsPassword()) {
        const PasswordStore::Result stored = co_await PasswordStore::read(m_notifyConfig.user + u'@' + m_notifyConfig.smtpUrl);
        if (!self)
            co_return;
        if (stored.available) {
            m_smtpPassword = stored.password;
        } else {
            bool ok = false;
            m_smtpPassword = QInputDialog::getText(this, tr("SMTP Password"),
                                                   tr("No keychain service is available (%1), so the password for %2 is "
                                                      "kept for this run only.\nPassword:")
                                                       .arg(stored.error, m_notifyConfig.user),
                                                   QLineEdit::Password, {}, &ok);
        }
    }
    applyNotifications();
}

QCoro::Task<> MainWindow::storePassword()
{
    QPointer<MainWindow> self(this);
    const PasswordStore::Result stored =
        co_await PasswordStore::write(m_notifyConfig.user + u'@' + m_notifyConfig.smtpUrl, m_smtpPassword);
    if (self && !stored.available)
        statusBar()->showMessage(tr("No keychain service is available (%1): the SMTP password is kept for this run only.").arg(stored.error),
                                 15'000);
}

void MainWindow::showHistory()
{
    History *history = m_launcher.history();
    if (!history)
        return;
    if (!m_historyDialog) {
        m_historyDialog = new HistoryDialog(*history, this);
        connect(m_historyDialog, &HistoryDialog::queueRequested, this,
                [this](const QString &name, const QList<QUrl> &urls, const BatchSettings &settings, const QList<TaskId> &retryOf) {
                    queueParsed({urls, {}}, name, settings, retryOf);
                });
    }
    m_historyDialog->refresh();
    m_historyDialog->show();
    m_historyDialog->raise();
    m_historyDialog->activateWindow();
}

void MainWindow::editNotifications()
{
    NotificationSettingsDialog dialog(m_engine, m_notifyConfig, m_smtpPassword, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_notifyConfig = dialog.config();
    m_notifyConfig.save();
    m_smtpPassword = dialog.password();
    if (m_notifyConfig.needsPassword())
        storePassword();
    applyNotifications();
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
    int unfinished = 0;
    for (const BatchRecord &batch : m_batches->batches())
        unfinished += batch.total - batch.done();
    return unfinished;
}

void MainWindow::updateStatus()
{
    std::array<int, TaskStateCount> counts{};
    qint64 activeStart = -1;
    int activeDone = 0;
    const qint64 now = EngineClock::now();
    for (const BatchRecord &batch : m_batches->batches()) {
        for (int state = 0; state < TaskStateCount; ++state)
            counts[size_t(state)] += batch.counts[size_t(state)];
        if (!batch.finished() && batch.firstStartedAt >= 0) {
            activeStart = activeStart < 0 ? batch.firstStartedAt : std::min(activeStart, batch.firstStartedAt);
            activeDone += batch.done();
        }
    }
    QString text = tr("%1 queued · %2 running · %3 succeeded · %4 failed · %5 cancelled")
                       .arg(counts[0]).arg(counts[1]).arg(counts[2]).arg(counts[3]).arg(counts[4]);
    if (activeStart >= 0) {
        const qint64 elapsed = std::max<qint64>(now - activeStart, 1);
        text = tr("Active for %1 · %2 tasks/s · ").arg(formatSeconds(elapsed)).arg(activeDone * 1000.0 / elapsed, 0, 'f', 1) + text;
    }
    m_statusCounts->setText(text);
}

QList<int> MainWindow::selectedTaskRows() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_taskView->selectionModel()->selectedRows())
        rows.append(m_taskFilter->mapToSource(index).row());
    return rows;
}

BatchId MainWindow::selectedBatch() const
{
    const QModelIndexList rows = m_batchView->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : m_batches->batch(rows.first().row()).id;
}

void MainWindow::selectBatch()
{
    m_taskFilter->setBatch(m_allBatches->isChecked() ? 0 : selectedBatch());
}

void MainWindow::updateActions()
{
    bool anyUnfinished = false;
    bool anyRetryable = false;
    for (const int row : selectedTaskRows()) {
        const TaskState state = m_tasks->task(row).state;
        anyUnfinished |= !isTerminal(state);
        anyRetryable |= state == TaskState::Failed || state == TaskState::Cancelled;
    }
    const int batchRow = m_batches->rowOf(selectedBatch());
    const BatchRecord *batch = batchRow >= 0 ? &m_batches->batch(batchRow) : nullptr;
    m_cancelTasksAction->setEnabled(anyUnfinished);
    m_retryTasksAction->setEnabled(anyRetryable);
    m_detailsAction->setEnabled(m_taskView->selectionModel()->hasSelection());
    m_cancelBatchAction->setEnabled(batch && !batch->finished());
    m_retryBatchAction->setEnabled(batch && batch->count(TaskState::Failed) + batch->count(TaskState::Cancelled) > 0);
    m_cancelAllAction->setEnabled(unfinishedTaskCount() > 0);
}

void MainWindow::queueParsed(const UrlList &urls, const QString &batchName, const BatchSettings &settings,
                             const QList<TaskId> &retryOf)
{
    QString message;
    if (!urls.urls.isEmpty()) {
        launch(batchName, urls.urls, settings, retryOf);
        message = tr("Queued %1 as “%2”").arg(countOf(urls.urls.size(), tr("URL"), tr("URLs")), batchName);
    }
    if (!urls.rejected.isEmpty()) {
        const QString first = urls.rejected.first().toString();
        message += (message.isEmpty() ? QString() : u"; "_qs)
                 + tr("%1 rejected, first: %2").arg(countOf(urls.rejected.size(), tr("line"), tr("lines")), first);
    }
    if (message.isEmpty())
        message = tr("No URLs found.");
    statusBar()->showMessage(message, 15'000);
}

QCoro::Task<> MainWindow::launch(QString batchName, QList<QUrl> urls, BatchSettings settings, QList<TaskId> retryOf)
{
    QPointer<MainWindow> self(this);
    const BatchLauncher::Launched launched = co_await m_launcher.launch(batchName, urls, settings, retryOf);
    if (self && !launched.id)
        statusBar()->showMessage(tr("“%1” was not queued: %2").arg(batchName, launched.error), 30'000);
}

void MainWindow::queueText(const QString &text, const QString &batchName)
{
    const BatchSettings settings = defaultSettings();
    whenParsed(this, parseUrlsInBackground(text, batchName),
               [this, batchName, settings](const UrlList &urls) { queueParsed(urls, batchName, settings); });
}

void MainWindow::importFiles(const QStringList &paths)
{
    const BatchSettings settings = defaultSettings();
    for (const QString &path : paths) {
        const QString name = QFileInfo(path).fileName();
        whenParsed(this, readUrlFileInBackground(path),
                   [this, name, settings](const UrlList &urls) { queueParsed(urls, name, settings); });
    }
}

void MainWindow::addUrls()
{
    AddUrlsDialog dialog(nextBatchName(tr("Batch")), defaultSettings(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const BatchSettings settings = dialog.settings();
    QSettings stored;
    stored.setValue(u"batch/concurrency"_qs, settings.concurrency);
    stored.setValue(u"batch/perHost"_qs, settings.perHost);
    stored.setValue(u"batch/timeoutMs"_qs, settings.timeoutMs);
    stored.setValue(u"batch/retries"_qs, settings.retries);
    stored.setValue(u"batch/idleTimeoutMs"_qs, settings.idleTimeoutMs);
    stored.setValue(u"batch/outputDir"_qs, settings.outputDir);
    stored.setValue(u"batch/overwrite"_qs, settings.overwrite);
    const QString name = dialog.batchName().isEmpty() ? nextBatchName(tr("Batch")) : dialog.batchName();
    queueParsed(dialog.urls(), name, settings);
}

void MainWindow::importDialog()
{
    QSettings settings;
    const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Import URL Lists"), settings.value(u"import/folder"_qs).toString(),
                                                            tr("URL lists (*.txt *.list *.urls);;All files (*)"));
    if (paths.isEmpty())
        return;
    settings.setValue(u"import/folder"_qs, QFileInfo(paths.first()).absolutePath());
    importFiles(paths);
}

void MainWindow::pasteUrls()
{
    if (const QMimeData *data = QGuiApplication::clipboard()->mimeData())
        queueMimeData(*data, nextBatchName(tr("Pasted")));
}

void MainWindow::queueMimeData(const QMimeData &data, const QString &batchName)
{
    QStringList files;
    QStringList webUrls;
    for (const QUrl &url : data.urls()) {
        if (url.isLocalFile())
            files << url.toLocalFile();
        else
            webUrls << url.toString();
    }
    if (!files.isEmpty())
        importFiles(files);
    if (!webUrls.isEmpty())
        queueText(webUrls.join(u'\n'), batchName);
    else if (files.isEmpty() && data.hasText())
        queueText(data.text(), batchName);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() || event->mimeData()->hasText())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    queueMimeData(*event->mimeData(), nextBatchName(tr("Dropped")));
    event->acceptProposedAction();
}

void MainWindow::cancelSelectedTasks()
{
    const QList<int> rows = selectedTaskRows();
    if (rows.size() > ConfirmCancelAbove
        && QMessageBox::question(this, tr("Cancel Tasks"), tr("Cancel %1 selected tasks?").arg(rows.size()))
               != QMessageBox::Yes)
        return;
    for (const int row : rows) {
        if (!isTerminal(m_tasks->task(row).state))
            m_engine.cancelTask(m_tasks->task(row).id);
    }
}

void MainWindow::cancelSelectedBatch()
{
    if (const BatchId batch = selectedBatch())
        m_engine.cancelBatch(batch);
}

void MainWindow::cancelEverything()
{
    const int unfinished = unfinishedTaskCount();
    if (unfinished == 0)
        return;
    if (unfinished > ConfirmCancelAbove
        && QMessageBox::question(this, tr("Cancel Everything"),
                                 tr("Cancel all %1 running and queued tasks?").arg(unfinished))
               != QMessageBox::Yes)
        return;
    m_engine.cancelAll();
}

void MainWindow::retrySelectedTasks()
{
    // A finished task stays as it ended; re-queuing makes a new batch of new tasks (or, for
    // a notification, a new notification task).
    QList<QUrl> urls;
    QList<TaskId> retryOf;
    BatchSettings settings = defaultSettings();
    QString name;
    for (const int row : selectedTaskRows()) {
        const TaskRecord &task = m_tasks->task(row);
        if (task.state != TaskState::Failed && task.state != TaskState::Cancelled)
            continue;
        const int batchRow = m_batches->rowOf(task.batch);
        if (batchRow >= 0 && m_batches->batch(batchRow).kind == BatchKind::Notifications) {
            m_engine.retryNotification(task.id);
            continue;
        }
        urls << task.url;
        retryOf << task.id;
        if (batchRow >= 0 && name.isEmpty()) {
            name = tr("%1 (re-queued)").arg(m_batches->batch(batchRow).name);
            settings = m_batches->batch(batchRow).settings;
        }
    }
    if (!urls.isEmpty())
        queueParsed({urls, {}}, name, settings, retryOf);
}

void MainWindow::retryFailedOfBatch()
{
    const BatchId batch = selectedBatch();
    const int batchRow = m_batches->rowOf(batch);
    if (batchRow < 0)
        return;
    QList<QUrl> urls;
    QList<TaskId> retryOf;
    const BatchRecord &record = m_batches->batch(batchRow);
    for (int row = 0; row < m_tasks->rowCount(); ++row) {
        const TaskRecord &task = m_tasks->task(row);
        if (task.batch != batch || (task.state != TaskState::Failed && task.state != TaskState::Cancelled))
            continue;
        if (record.kind == BatchKind::Notifications) {
            m_engine.retryNotification(task.id);
        } else {
            urls << task.url;
            retryOf << task.id;
        }
    }
    if (!urls.isEmpty())
        queueParsed({urls, {}}, tr("%1 (re-queued)").arg(record.name), record.settings, retryOf);
}

void MainWindow::showSelectedTaskDetails()
{
    const QModelIndex current = m_taskView->currentIndex();
    if (!current.isValid())
        return;
    TaskDetailsDialog dialog(m_tasks->task(m_taskFilter->mapToSource(current).row()), this);
    dialog.exec();
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
