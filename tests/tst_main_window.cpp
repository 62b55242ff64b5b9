// The real main window, offscreen, against a local server: paste, drop, the add dialog,
// sorting and filtering, cancelling by keyboard and menu, re-queuing, details, quitting.
#include "AddUrlsDialog.h"
#include "BatchDetailsDialog.h"
#include "BatchListModel.h"
#include "Engine.h"
#include "LoopHistory.h"
#include "LoopLagChart.h"
#include "MainWindow.h"
#include "MonitoredApplication.h"
#include "PhaseHistogram.h"
#include "TaskDetailsDialog.h"
#include "TaskTableModel.h"
#include "TimelineModel.h"
#include "TimelineView.h"
#include "support/BatchWaits.h"
#include "support/ModalDialogs.h"
#include "support/TestHttpServer.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QSet>
#include <QJsonObject>
#include <QJsonDocument>
#include <QJsonArray>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QProcess>
#include <QSpinBox>
#include <QSettings>
#include <QSplitter>
#include <QElapsedTimer>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <numeric>
#include <csignal>
#include <map>
#include <vector>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
QString lines(const QList<QUrl> &urls)
{
    QStringList text;
    for (const QUrl &url : urls)
        text << url.toString();
    return text.join(u'\n');
}

// Measures how long the GUI thread went without turning its event loop: reported, not
// asserted (tests assert behaviour; the number is for people).
class LoopLag : public QObject {
public:
    LoopLag()
    {
        m_clock.start();
        m_timer.callOnTimeout(this, [this] { m_longest = std::max(m_longest, m_clock.restart()); });
        m_timer.start(5);
    }
    qint64 takeLongest() // including the stretch since the last tick
    {
        const qint64 longest = std::max(m_longest, m_clock.restart());
        m_longest = 0;
        return longest;
    }

private:
    QElapsedTimer m_clock;
    QTimer m_timer;
    qint64 m_longest = 0;
};

// Follows the engine's updates into the task model: how many updates came and how many task
// records they carried, the most model signals one update caused, and whether every row an
// update touched was announced by one of them.
class UpdateTrail : public QObject {
public:
    UpdateTrail(Engine &engine, TaskTableModel &model)
    {
        connect(&model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
            m_announced.emplace_back(topLeft.row(), bottomRight.row());
        });
        connect(&model, &QAbstractItemModel::rowsInserted, this,
                [this](const QModelIndex &, int first, int last) { m_announced.emplace_back(first, last); });
        // Connected after the window's own connection, so the window has applied each update when this runs.
        connect(&engine, &Engine::updated, this, [this, &model](const EngineUpdate &update) {
            ++updates;
            records += update.tasks.size();
            mostSignalsPerUpdate = std::max(mostSignalsPerUpdate, qsizetype(m_announced.size()));
            for (const TaskRecord &task : update.tasks) {
                const int row = model.rowOf(task.id);
                const bool announced = std::any_of(m_announced.begin(), m_announced.end(),
                                                   [row](const auto &range) { return row >= range.first && row <= range.second; });
                unannouncedRows += announced ? 0 : 1;
            }
            for (const BatchRecord &batch : update.batches)
                latest[batch.id] = batch;
            m_announced.clear();
        });
    }

    qsizetype updates = 0;
    qsizetype records = 0;
    qsizetype mostSignalsPerUpdate = 0;
    qsizetype unannouncedRows = 0;
    std::map<BatchId, BatchRecord> latest; // each batch's record as last published

private:
    std::vector<std::pair<int, int>> m_announced; // row ranges signalled since the last update
};

// Tasks per state, queued first, as QCOMPARE prints them on a mismatch.
QList<int> countsOf(const BatchRecord &batch)
{
    QList<int> counts;
    for (const int count : batch.counts)
        counts << count;
    return counts;
}

QList<int> rowsPerState(const TaskTableModel &model)
{
    QList<int> counts(TaskStateCount, 0);
    for (int row = 0; row < model.rowCount(); ++row)
        ++counts[int(model.task(row).state)];
    return counts;
}

struct Window {
    TestHttpServer server;
    Engine engine;
    MainWindow window{engine};

    Window()
    {
        window.show();
        activate();
    }
    void activate()
    {
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
    }
    QTableView *view(const QString &name) { return window.findChild<QTableView *>(name); }
    QAbstractItemModel *tasks() { return view(u"taskView"_s)->model(); }
    QAbstractItemModel *batches() { return view(u"batchView"_s)->model(); }
    QAction *action(const QString &name) { return window.findChild<QAction *>(name); }
    int batchCount(int row, int column) { return batches()->index(row, column).data().toInt(); }
    QString taskCell(int row, int column) { return tasks()->index(row, column).data().toString(); }
    void selectTaskRow(int row)
    {
        // Through the selection model: selectRow() would honour whatever modifier keys an
        // earlier test left marked as held.
        QTableView *tasksView = view(u"taskView"_s);
        tasksView->setFocus();
        tasksView->selectionModel()->setCurrentIndex(tasks()->index(row, 0),
                                                     QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    // Pastes the server's paths as a batch and waits until every task of it succeeded.
    bool pasteAndRun(const QStringList &paths)
    {
        QStringList urls;
        for (const QString &path : paths)
            urls << server.url(path).toString();
        QGuiApplication::clipboard()->setText(urls.join(u'\n'));
        QTest::keySequence(view(u"taskView"_s), QKeySequence::Paste);
        return QTest::qWaitFor([&] { return batches()->rowCount() == 1 && batchCount(0, BatchListModel::Succeeded) == int(paths.size()); }, 30'000);
    }
    void selectBatchRow(int row)
    {
        view(u"batchView"_s)->selectionModel()->select(batches()->index(row, 0),
                                                     QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
};
} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"loopscope-tests"_s);
    }

    void pasteQueuesTheValidLines()
    {
        Window w;
        QGuiApplication::clipboard()->setText(w.server.url(u"/ok?1"_s).toString() + u"\nftp://example.org/\n"
                                              + w.server.url(u"/ok?2"_s).toString() + u"\n");
        QTest::keySequence(w.view(u"taskView"_s), QKeySequence::Paste);
        QTRY_COMPARE(w.batches()->rowCount(), 1);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Succeeded), 2);
        QCOMPARE(w.tasks()->rowCount(), 2);
        QCOMPARE(w.batches()->index(0, BatchListModel::Name).data().toString(), u"Pasted 1"_s);
        QVERIFY2(w.window.statusBar()->currentMessage().contains(u"1 line rejected, first: "_s), qPrintable(w.window.statusBar()->currentMessage()));
        QVERIFY(w.batches()->index(0, BatchListModel::Work).data().toString().contains(u"of work in"_s));
    }

    void droppedTextAndFilesAreQueued()
    {
        Window w;
        QMimeData text;
        text.setText(w.server.url(u"/ok"_s).toString());
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w.window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w.window, &drop);
        QTRY_COMPARE(w.batches()->rowCount(), 1);

        QTemporaryDir dir;
        const QString path = dir.filePath(u"list.txt"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write((lines({w.server.url(u"/ok?a"_s), w.server.url(u"/ok?b"_s)}) + u'\n').toUtf8());
        file.close();
        QMimeData files;
        files.setUrls({QUrl::fromLocalFile(path)});
        QDragEnterEvent enterFile(QPoint(10, 10), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w.window, &enterFile);
        QVERIFY(enterFile.isAccepted());
        QDropEvent dropFile(QPointF(10, 10), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w.window, &dropFile);
        QTRY_COMPARE(w.batches()->rowCount(), 2);
        QCOMPARE(w.batches()->index(1, BatchListModel::Name).data().toString(), u"list.txt"_s);
        QTRY_COMPARE(w.batchCount(1, BatchListModel::Succeeded), 2);
    }

    void addDialogShowsRejectedLines()
    {
        AddUrlsDialog dialog(u"Batch 1"_s, BatchSettings{});
        dialog.setText(u"http://example.org/a\nnot a url\n\nftp://example.org/b\n# note\nhttps://example.org/c\n"_s);
        auto *counts = dialog.findChild<QLabel *>(u"validationCounts"_s);
        QTRY_COMPARE(counts->text(), u"2 valid URLs, 2 rejected lines"_s);
        auto *rejected = dialog.findChild<QListWidget *>();
        QCOMPARE(rejected->count(), 2);
        QVERIFY(rejected->item(0)->text().startsWith(u"Line 2: "_s));
        QCOMPARE(rejected->item(1)->text(), u"Line 4: unsupported scheme \"ftp\" (only http and https)"_s);
        QVERIFY(dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
        QCOMPARE(dialog.urls().urls.size(), 2);
        dialog.setText(u"nothing here"_s);
        QTRY_VERIFY(!dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
    }

    void addDialogQueuesANamedBatch()
    {
        Window w;
        const QString urls = lines({w.server.url(u"/ok"_s), w.server.url(u"/status/404"_s)});
        onNextModal<AddUrlsDialog>([urls](AddUrlsDialog *dialog) {
            dialog->findChild<QPlainTextEdit *>()->setPlainText(urls);
            dialog->findChild<QLineEdit *>()->setText(u"Mine"_s);
            dialog->findChild<QSpinBox *>(u"concurrency"_s)->setValue(3);
            auto *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
            QTRY_VERIFY(ok->isEnabled());
            ok->click();
        });
        w.action(u"addUrlsAction"_s)->trigger();
        QTRY_COMPARE(w.batches()->rowCount(), 1);
        QCOMPARE(w.batches()->index(0, BatchListModel::Name).data().toString(), u"Mine"_s);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Failed), 1);
        QCOMPARE(w.batchCount(0, BatchListModel::Succeeded), 1);
        QVERIFY(w.batches()->index(0, 0).data(Qt::ToolTipRole).toString().contains(u"3 workers"_s));

        // The settings last used are the next dialog's defaults.
        int concurrency = 0;
        onNextModal<AddUrlsDialog>([&concurrency](AddUrlsDialog *dialog) {
            concurrency = dialog->findChild<QSpinBox *>(u"concurrency"_s)->value();
            dialog->reject();
        });
        w.action(u"addUrlsAction"_s)->trigger();
        QCOMPARE(concurrency, 3);
    }

    void addDialogSavesBodiesToAFolder()
    {
        Window w;
        QTemporaryDir dir;
        QFile existing(dir.filePath(u"5"_s));
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("older");
        existing.close();
        const auto queue = [&](bool overwrite) {
            const QString urls = lines({w.server.url(u"/bytes/5"_s)});
            onNextModal<AddUrlsDialog>([&, urls, overwrite](AddUrlsDialog *dialog) {
                dialog->findChild<QPlainTextEdit *>()->setPlainText(urls);
                dialog->findChild<QLineEdit *>(u"outputDir"_s)->setText(dir.path());
                dialog->findChild<QCheckBox *>(u"overwrite"_s)->setChecked(overwrite);
                auto *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
                QTRY_VERIFY(ok->isEnabled());
                ok->click();
            });
            w.action(u"addUrlsAction"_s)->trigger();
        };
        const auto readAll = [&dir](const QString &name) {
            QFile file(dir.filePath(name));
            return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        };
        queue(false); // the existing file stays; the body goes next to it
        QTRY_COMPARE(w.batches()->rowCount(), 1);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Succeeded), 1);
        QCOMPARE(readAll(u"5"_s), QByteArray("older"));
        QCOMPARE(readAll(u"5 (1)"_s), QByteArray("xxxxx"));
        queue(true); // replaced, when asked
        QTRY_COMPARE(w.batches()->rowCount(), 2);
        QTRY_COMPARE(w.batchCount(1, BatchListModel::Succeeded), 1);
        QCOMPARE(readAll(u"5"_s), QByteArray("xxxxx"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 2); // no part file left
    }

    // The status bar shows both loops; the Loops panel their lag and the GUI loop blocked on purpose.
    void loopsPanelNamesASlowCallback()
    {
        Window w;
        auto *dock = w.window.findChild<QDockWidget *>(u"loopsDock"_s);
        QVERIFY(dock);
        QVERIFY(!dock->isVisible());
        w.action(u"loopsAction"_s)->trigger();
        QVERIFY(dock->isVisible());
        const auto summaryOf = [dock](const QString &loop) {
            for (const QLabel *label : dock->findChildren<QLabel *>())
                if (label->text().contains(loop) && label->text().contains(u"p99"_s))
                    return label->text();
            return QString();
        };
        QTRY_VERIFY_WITH_TIMEOUT(!summaryOf(u"GUI loop"_s).isEmpty() && !summaryOf(u"worker loop"_s).isEmpty(), 5000);
        QCOMPARE(w.window.statusBar()->findChildren<LoopLagChart *>().size(), 2);

        auto *slowView = dock->findChild<QTableView *>(u"slowCallbackView"_s);
        QCOMPARE(slowView->model()->rowCount(), 0);
        QTimer::singleShot(0, &w.window, [] { QThread::msleep(300); });
        QTRY_COMPARE(slowView->model()->rowCount(), 1);
        QCOMPARE(slowView->model()->index(0, LoopHistory::Loop).data().toString(), u"GUI loop"_s);
        QCOMPARE(slowView->model()->index(0, LoopHistory::What).data().toString(), u"loopscope::MainWindow: posted call"_s);
        QTRY_VERIFY(summaryOf(u"GUI loop"_s).contains(u"1 slow callback"_s));
    }

    // The timeline shows the newest batch; a click on a bar selects its task in the table, and
    // a task selected in the table is marked on the timeline.
    void timelineAndTaskTableSelectTogether()
    {
        Window w;
        QVERIFY(w.pasteAndRun({u"/ok?1"_s, u"/ok?2"_s, u"/ok?3"_s}));
        auto *timeline = w.window.findChild<TimelineView *>(u"timelineView"_s);
        QVERIFY(timeline);
        QTRY_VERIFY(timeline->isVisible());
        timeline->fit();
        // Some bar of the timeline, found where the pointer would find it.
        QPoint bar;
        TaskId barTask = 0;
        for (int y = TimelineView::AxisHeight; y < timeline->viewport()->height() && !barTask; y += 4)
            for (int x = TimelineView::GutterWidth; x < timeline->viewport()->width() && !barTask; x += 2)
                if (const TaskSpan *task = timeline->taskAt({x, y})) {
                    bar = {x, y};
                    barTask = task->id;
                }
        QVERIFY(barTask != 0);
        QTest::mouseClick(timeline->viewport(), Qt::LeftButton, {}, bar);
        const QModelIndex current = w.view(u"taskView"_s)->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(TaskId(w.tasks()->index(current.row(), TaskTableModel::Id).data().toULongLong()), barTask);
        const int other = current.row() == 0 ? 1 : 0;
        w.selectTaskRow(other);
        QCOMPARE(timeline->selectedTask(), TaskId(w.tasks()->index(other, TaskTableModel::Id).data().toULongLong()));
    }

    void batchDetailsShowWhereTheTimeWent()
    {
        Window w;
        QVERIFY(w.pasteAndRun({u"/ok?1"_s, u"/ok?2"_s, u"/ok?3"_s}));
        QVERIFY(!w.action(u"batchDetailsAction"_s)->isEnabled());
        w.selectBatchRow(0);
        QVERIFY(w.action(u"batchDetailsAction"_s)->isEnabled());
        w.action(u"batchDetailsAction"_s)->trigger();
        auto *details = w.window.findChild<BatchDetailsDialog *>();
        QVERIFY(details);
        QTRY_VERIFY(details->isVisible());
        auto *total = details->findChild<PhaseHistogram *>(u"histogram-total"_s);
        QVERIFY(total);
        QCOMPARE(std::accumulate(total->buckets().begin(), total->buckets().end(), 0), 3);
        QVERIFY(details->findChild<QLabel *>(u"detailsOutcomes"_s)->text().contains(u"200 × 3"_s));
        auto *host = details->findChild<QComboBox *>(u"detailsHost"_s);
        QCOMPARE(host->count(), 2); // all, and the one host
        host->setCurrentIndex(1);
        QCOMPARE(std::accumulate(total->buckets().begin(), total->buckets().end(), 0), 3);
        details->close();
    }

    void finishedBatchesAreRemovedFromEveryViewRunningOnesStay()
    {
        Window w;
        QVERIFY(w.pasteAndRun({u"/ok?1"_s, u"/ok?2"_s, u"/ok?3"_s}));
        QAction *remove = w.action(u"removeFinishedAction"_s);
        QVERIFY(remove->isEnabled());
        QGuiApplication::clipboard()->setText(w.server.url(u"/hang"_s).toString());
        QTest::keySequence(w.view(u"taskView"_s), QKeySequence::Paste);
        QTRY_COMPARE(w.batches()->rowCount(), 2);
        QTRY_COMPARE(w.tasks()->rowCount(), 4);
        auto *timeline = w.window.findChild<TimelineModel *>();
        QVERIFY(timeline && timeline->batch(1));

        remove->trigger();
        QCOMPARE(w.batches()->rowCount(), 1); // the running one
        QCOMPARE(w.batches()->index(0, BatchListModel::Name).data().toString(), u"Pasted 2"_s);
        QCOMPARE(w.tasks()->rowCount(), 1);
        QVERIFY(w.taskCell(0, TaskTableModel::Url).endsWith(u"/hang"_s));
        QVERIFY(!timeline->batch(1));
        QVERIFY(!remove->isEnabled()); // nothing left that ended
        w.action(u"cancelAllAction"_s)->trigger();
        QTRY_VERIFY(remove->isEnabled());
        remove->trigger();
        QCOMPARE(w.batches()->rowCount(), 0);
        QCOMPARE(w.tasks()->rowCount(), 0);
    }

    void exportTraceWritesTheSelectedBatch()
    {
        Window w;
        QGuiApplication::clipboard()->setText(w.server.url(u"/ok?1"_s).toString() + u"\n"_s + w.server.url(u"/ok?2"_s).toString());
        QTest::keySequence(w.view(u"taskView"_s), QKeySequence::Paste);
        QTRY_COMPARE(w.batches()->rowCount(), 1);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Succeeded), 2);
        w.selectBatchRow(0);
        QTemporaryDir dir;
        onNextModal<QFileDialog>([&dir](QFileDialog *files) {
            files->setDirectory(dir.path());
            static_cast<QDialog *>(files)->accept(); // public there, protected in QFileDialog
        });
        w.action(u"exportTraceAction"_s)->trigger();
        QFile file(dir.filePath(u"batch-1.trace.json"_s)); // the name offered
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(w.window.statusBar()->currentMessage()));
        const QJsonArray events = QJsonDocument::fromJson(file.readAll()).object()[u"traceEvents"_s].toArray();
        QSet<QString> tasksBegun, batchesBegun;
        int tracksNamedWorker = 0;
        for (const QJsonValue &value : events) {
            const QJsonObject event = value.toObject();
            const QString id = event[u"id"_s].toString();
            if (event[u"ph"_s].toString() == u"b")
                (id.startsWith(u"task-"_s) ? tasksBegun : batchesBegun) << id;
            if (event[u"name"_s].toString() == u"thread_name" && event[u"args"_s].toObject()[u"name"_s].toString().startsWith(u"Worker "_s))
                ++tracksNamedWorker;
        }
        QCOMPARE(tasksBegun.size(), 2);
        QCOMPARE(batchesBegun, QSet<QString>{u"batch-1"_s});
        QVERIFY(tracksNamedWorker >= 1);
        QVERIFY(w.window.statusBar()->currentMessage().contains(u"Perfetto"_s));
    }

    void layoutPersists()
    {
        QList<int> sizes;
        int urlWidth = 0;
        {
            Window w;
            w.window.resize(1000, 640);
            auto *splitter = w.window.findChild<QSplitter *>(u"mainSplitter"_s);
            splitter->setSizes({150, 450});
            sizes = splitter->sizes();
            w.view(u"taskView"_s)->setColumnWidth(TaskTableModel::Url, 222);
            urlWidth = w.view(u"taskView"_s)->columnWidth(TaskTableModel::Url);
            QVERIFY(w.window.close());
        }
        Window again;
        QCOMPARE(again.window.size(), QSize(1000, 640));
        QCOMPARE(again.window.findChild<QSplitter *>(u"mainSplitter"_s)->sizes(), sizes);
        QCOMPARE(again.view(u"taskView"_s)->columnWidth(TaskTableModel::Url), urlWidth);
    }

    void signalsQuitTheWindowCleanly()
    {
        // The real program: SIGTERM while transfers run ends it without a question, a crash
        // or a hang, and every connection is released.
        TestHttpServer server;
        QTemporaryDir dir;
        QFile list(dir.filePath(u"hang.txt"_s));
        QVERIFY(list.open(QIODevice::WriteOnly));
        list.write((lines({server.url(u"/hang?1"_s), server.url(u"/hang?2"_s), server.url(u"/hang?3"_s)}) + u'\n').toUtf8());
        list.close();
        QProcess app;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        environment.insert(u"XDG_CONFIG_HOME"_s, dir.path());
        app.setProcessEnvironment(environment);
        app.start(qEnvironmentVariable("LOOPSCOPE_BIN"), {list.fileName()});
        QVERIFY(app.waitForStarted());
        QTRY_COMPARE_WITH_TIMEOUT(server.inFlight(), 3, 30'000);
        ::kill(pid_t(app.processId()), SIGTERM);
        QVERIFY(app.waitForFinished(30'000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 0);
        QTRY_COMPARE(server.inFlight(), 0);
    }

    void sortingAndFiltering()
    {
        Window w;
        w.window.queueText(lines({w.server.url(u"/ok?1"_s), w.server.url(u"/status/404"_s), w.server.url(u"/ok?2"_s),
                                  w.server.url(u"/status/503"_s)}),
                           u"mixed"_s);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Failed), 2);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Succeeded), 2);
        auto *state = w.window.findChild<QComboBox *>(u"stateFilter"_s);
        state->setCurrentIndex(4); // Failed
        QCOMPARE(w.tasks()->rowCount(), 2);
        state->setCurrentIndex(0);
        w.window.findChild<QLineEdit *>(u"textFilter"_s)->setText(u"503"_s);
        QTRY_COMPARE(w.tasks()->rowCount(), 1);
        QCOMPARE(w.taskCell(0, TaskTableModel::HttpStatus), u"503"_s);
        w.window.findChild<QLineEdit *>(u"textFilter"_s)->clear();
        QTRY_COMPARE(w.tasks()->rowCount(), 4);
        w.view(u"taskView"_s)->sortByColumn(TaskTableModel::HttpStatus, Qt::DescendingOrder);
        QCOMPARE(w.taskCell(0, TaskTableModel::HttpStatus), u"503"_s);
        QCOMPARE(w.taskCell(1, TaskTableModel::HttpStatus), u"404"_s);
        QVERIFY(w.tasks()->index(0, TaskTableModel::Error).data(Qt::ToolTipRole).toString().contains(u"HTTP 503"_s));
    }

    void cancelByKeyboardBatchAndEverything()
    {
        Window w;
        QList<QUrl> hanging;
        for (int i = 0; i < 4; ++i)
            hanging << w.server.url(u"/hang?%1"_s.arg(i));
        w.engine.addBatch(u"hanging"_s, hanging, BatchSettings{2, 6, 60'000, 0});
        QTRY_COMPARE(w.server.inFlight(), 2);
        QTRY_COMPARE(w.tasks()->rowCount(), 4);
        w.activate();
        w.selectTaskRow(0);
        QTRY_VERIFY(w.action(u"cancelTasksAction"_s)->isEnabled());
        QTest::keyClick(w.view(u"taskView"_s), Qt::Key_Delete);
        QTRY_COMPARE(w.taskCell(0, TaskTableModel::State), u"cancelled"_s);
        QCOMPARE(w.taskCell(0, TaskTableModel::Error), u"cancelled by user"_s);

        w.selectBatchRow(0);
        QVERIFY(w.action(u"cancelBatchAction"_s)->isEnabled());
        w.action(u"cancelBatchAction"_s)->trigger();
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Cancelled), 4);
        QTRY_COMPARE(w.server.inFlight(), 0);

        // Many tasks: Cancel Everything asks first; its shortcut works from the window.
        QList<QUrl> many;
        for (int i = 0; i < 60; ++i)
            many << w.server.url(u"/hang?many%1"_s.arg(i));
        const BatchId manyId = w.engine.addBatch(u"many"_s, many, BatchSettings{3, 6, 60'000, 0});
        QTRY_COMPARE(w.server.inFlight(), 3);
        QTRY_COMPARE(w.batches()->rowCount(), 2);
        int asked = 0;
        onNextModal<QMessageBox>([&asked](QMessageBox *box) {
            ++asked;
            box->button(QMessageBox::No)->click();
        });
        QTest::keySequence(w.view(u"taskView"_s), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete));
        QTRY_COMPARE(asked, 1);
        // A cancel the answer let through would have been posted to the worker before this
        // request, so the records it returns would show it.
        ASSIGN_OR_FAIL(const QList<TaskRecord> afterNo, resultWithin(w.engine.tasks(manyId), 5'000, u"the task records of \"many\""_s));
        QCOMPARE(afterNo.size(), 60);
        for (const TaskRecord &task : afterNo)
            QVERIFY2(task.state != TaskState::Cancelled, qPrintable(u"task %1 was cancelled after answering No"_s.arg(task.id)));
        QCOMPARE(w.batchCount(1, BatchListModel::Cancelled), 0);
        w.activate(); // as a person clicking back into the window after the question
        answer(QMessageBox::Yes);
        QTest::keySequence(w.view(u"taskView"_s), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete));
        QTRY_COMPARE(w.batchCount(1, BatchListModel::Cancelled), 60);
        QTRY_COMPARE(w.server.inFlight(), 0);
    }

    void failedTasksCanBeRequeued()
    {
        Window w;
        w.window.queueText(lines({w.server.url(u"/status/500"_s), w.server.url(u"/ok"_s)}), u"flaky"_s);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Failed), 1);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Succeeded), 1);
        w.selectBatchRow(0);
        w.action(u"requeueBatchAction"_s)->trigger();
        QTRY_COMPARE(w.batches()->rowCount(), 2);
        QCOMPARE(w.batches()->index(1, BatchListModel::Name).data().toString(), u"flaky (re-queued)"_s);
        QTRY_COMPARE(w.batchCount(1, BatchListModel::Failed), 1);
        QCOMPARE(w.batches()->index(1, BatchListModel::Progress).data().toString(), u"1 / 1"_s);
    }

    void enterOpensTaskDetails()
    {
        Window w;
        QSettings().setValue(u"batch/retries"_s, 2);
        w.window.queueText(lines({w.server.url(u"/redirect/2"_s), w.server.url(u"/bytes/5"_s), w.server.url(u"/fail-then-ok/details/1"_s),
                                  w.server.url(u"/status/404"_s)}),
                           u"details"_s);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Succeeded), 3);
        QTRY_COMPARE(w.batchCount(0, BatchListModel::Failed), 1);
        const auto detailsOf = [&w](int row) {
            w.selectTaskRow(row);
            QString shown;
            onNextModal<TaskDetailsDialog>([&shown](TaskDetailsDialog *dialog) {
                for (const QLabel *label : dialog->findChildren<QLabel *>())
                    shown += label->text() + u'\n';
                shown += dialog->findChild<QPlainTextEdit *>()->toPlainText();
                dialog->reject();
            });
            QTest::keyClick(w.view(u"taskView"_s), Qt::Key_Return);
            return shown;
        };
        const QString redirected = detailsOf(0);
        QVERIFY2(redirected.contains(w.server.url(u"/redirect/0"_s).toString()), qPrintable(redirected)); // the final URL
        const QString plain = detailsOf(1);
        QVERIFY2(plain.contains(u"Content-Length: 5"_s), qPrintable(plain)); // the response headers
        QVERIFY(plain.contains(u"succeeded"_s));
        const QString retried = detailsOf(2); // every attempt, and how it ended
        static const QRegularExpression attempts(uR"(2\n1\. HTTP 503 Service Unavailable \(http\), [0-9.]+ ms\n2\. HTTP 200, [0-9.]+ ms)"_s);
        QVERIFY2(retried.contains(attempts), qPrintable(retried));
        // Where the last attempt's time went, and over what connection.
        QVERIFY2(retried.contains(QRegularExpression(u"name lookup [0-9.]+ ms, connected [0-9.]+ ms, .* first byte [0-9.]+ ms, total [0-9.]+ ms"_s)),
                 qPrintable(retried));
        QVERIFY2(retried.contains(QRegularExpression(u"HTTP/1\\.1, 127\\.0\\.0\\.1, (reused|new connection)"_s)), qPrintable(retried));
        const QString failed = detailsOf(3);
        QVERIFY2(failed.contains(u"HTTP 404 Not Found"_s) && failed.contains(u"\nhttp\n"_s), qPrintable(failed)); // the error kind
    }

    void quitWhileRunningAsksAndCancels()
    {
        Window w;
        const BatchId id = w.engine.addBatch(u"open"_s, {w.server.url(u"/hang"_s), w.server.url(u"/hang?2"_s)}, BatchSettings{1, 6, 60'000, 0});
        QTRY_COMPARE(w.server.inFlight(), 1);
        QTRY_COMPARE(w.window.unfinishedTaskCount(), 2);
        answer(QMessageBox::No);
        w.window.close();
        QVERIFY(w.window.isVisible());
        answer(QMessageBox::Yes);
        w.window.close();
        QVERIFY(!w.window.isVisible());
        QFuture<BatchRecord> done = w.engine.whenBatchFinished(id);
        QTRY_VERIFY(done.isFinished());
        QCOMPARE(done.result().count(TaskState::Cancelled), 2);
        QTRY_COMPARE(w.server.inFlight(), 0);
        w.engine.shutdown();
    }

    void oneHundredThousandPastedUrls()
    {
        Window w;
        auto *model = w.window.findChild<TaskTableModel *>();
        QVERIFY(model);
        UpdateTrail trail(w.engine, *model);
        QString text;
        const QString base = w.server.url(u"/hang?n="_s).toString();
        for (int i = 0; i < 100'000; ++i)
            text += base + QString::number(i) + u'\n';
        QGuiApplication::clipboard()->setText(text);
        LoopLag lag;
        w.action(u"pasteAction"_s)->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.tasks()->rowCount(), 100'000, 60'000);
        qInfo("paste and show 100,000 URLs: longest event-loop stall %lld ms", lag.takeLongest());
        QCOMPARE(trail.latest.size(), size_t(1));
        const BatchId id = trail.latest.begin()->first;
        // The hanging tasks hold still: once the engine has published everything, the rows say
        // what the batch record counts.
        QTRY_COMPARE(rowsPerState(*model), countsOf(trail.latest.at(id)));
        QCOMPARE(trail.latest.at(id).count(TaskState::Queued) + trail.latest.at(id).count(TaskState::Running), 100'000);
        w.window.findChild<QLineEdit *>(u"textFilter"_s)->setText(u"n=99999"_s);
        QTRY_COMPARE(w.tasks()->rowCount(), 1);
        w.window.findChild<QLineEdit *>(u"textFilter"_s)->clear();
        QTRY_COMPARE(w.tasks()->rowCount(), 100'000);
        qInfo("filter 100,000 rows: longest event-loop stall %lld ms", lag.takeLongest());
        w.view(u"taskView"_s)->sortByColumn(TaskTableModel::Id, Qt::DescendingOrder);
        QCOMPARE(w.taskCell(0, TaskTableModel::Id), u"100000"_s);
        qInfo("sort 100,000 rows: longest event-loop stall %lld ms", lag.takeLongest());
        answer(QMessageBox::Yes);
        w.action(u"cancelAllAction"_s)->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.batchCount(0, BatchListModel::Cancelled), 100'000, 60'000);
        qInfo("cancel 100,000 tasks: longest event-loop stall %lld ms", lag.takeLongest());
        ASSIGN_OR_FAIL(const BatchRecord done, waitForBatch(w.engine, id));
        QCOMPARE(done.count(TaskState::Cancelled), 100'000);
        QTRY_COMPARE(rowsPerState(*model), countsOf(done));

        // Every task was published at least twice (queued, cancelled), yet the engine sent them
        // in updates of many records, and no update cost the model more than a few signals:
        // ChangedRows announces at most 32 ranges of changed rows and the model one insertion.
        const QString trailText = u"%1 updates carried %2 task records; at most %3 model signals per update"_s
                                      .arg(trail.updates).arg(trail.records).arg(trail.mostSignalsPerUpdate);
        QVERIFY2(trail.records >= 200'000, qPrintable(trailText));
        QVERIFY2(trail.records >= 1'000 * trail.updates, qPrintable(trailText));
        QVERIFY2(trail.mostSignalsPerUpdate <= 32 + 1, qPrintable(trailText));
        QCOMPARE(trail.unannouncedRows, 0);
    }
};

// Every event timed, as in the real window, so that the Loops panel can name slow callbacks.
int main(int argc, char **argv)
{
    MonitoredApplication<QApplication> app(argc, argv);
    TestMainWindow test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "tst_main_window.moc"
