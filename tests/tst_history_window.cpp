// The window with a history, offscreen: batches recorded as they run, work a crashed run left
// unfinished offered for resuming (or discarding), and the History dialog's run again, retry
// failed and export.
#include "BatchListModel.h"
#include "Engine.h"
#include "History.h"
#include "HistoryDatabase.h"
#include "HistoryDialog.h"
#include "HistoryTroublePrompt.h"
#include "MainWindow.h"
#include "TimelineView.h"
#include "UrlList.h"
#include "support/DatabaseDamage.h"
#include "support/ModalDialogs.h"
#include "support/TestHttpServer.h"

#include <QAction>
#include <QFileDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
QList<TaskRow> rowsOf(const QString &path, BatchId batch = 0)
{
    const auto db = HistoryDatabase::open(path);
    QList<TaskRow> rows;
    const Result<> read = db ? (*db)->forEachTask(batch, [&rows](const TaskRow &row) { rows.append(row); }) : Result<>(db.failure());
    if (!read)
        qWarning("%s", qPrintable(read.error()));
    return rows;
}

// A batch left behind by a run that ended before finishing it: its owner is gone.
BatchPlan leftBehind(const QString &path, const QList<QUrl> &urls, int finished)
{
    const auto gone = HistoryDatabase::open(path);
    const BatchPlan plan = *(*gone)->createBatch(u"left behind"_s, encodedUrls(urls), BatchSettings{}, {});
    EngineUpdate update;
    for (int i = 0; i < finished; ++i) {
        TaskRecord task;
        task.id = plan.taskIds[i];
        task.batch = plan.id;
        task.url = urls[i];
        task.state = TaskState::Succeeded;
        task.httpStatus = 200;
        task.startedAt = 1;
        task.finishedAt = 2;
        update.tasks << task;
    }
    if (const Result<qsizetype> recorded = (*gone)->record(update); !recorded)
        qWarning("%s", qPrintable(recorded.error()));
    return plan;
}

struct Window {
    QString path;
    std::unique_ptr<History> history;
    Engine engine;
    std::unique_ptr<MainWindow> window;

    explicit Window(const QString &historyPath)
        : path(historyPath)
    {
        Result<std::unique_ptr<History>> opened = History::open(path);
        QVERIFY2(opened, qPrintable(opened.error()));
        history = std::move(opened).value();
        history->follow(engine);
        window = std::make_unique<MainWindow>(engine, history.get());
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    }
    ~Window()
    {
        window.reset();
        engine.shutdown(); // its last changes reach the history before it closes
    }
    QAbstractItemModel *batches() { return window->findChild<QTableView *>(u"batchView"_s)->model(); }
    int count(int row, int column) { return batches()->index(row, column).data().toInt(); }
};
} // namespace

class TestHistoryWindow : public QObject {
    Q_OBJECT
    TestHttpServer m_server;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"loopscope-history-tests"_s);
        QSettings().setValue(u"batch/retries"_s, 0); // failures stay failed, for retrying from the history
    }

    void aDamagedHistoryIsOfferedAWayOut_data()
    {
        QTest::addColumn<QString>("choice");
        QTest::newRow("move aside") << u"moveAside"_s;
        QTest::newRow("recover") << u"recover"_s;
        QTest::newRow("without history") << u"withoutHistory"_s;
    }

    void aDamagedHistoryIsOfferedAWayOut()
    {
        QFETCH(QString, choice);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"history.sqlite"_s);
        {
            auto db = HistoryDatabase::open(path);
            QVERIFY(db);
            QList<QByteArray> urls;
            for (int i = 0; i < 2'000; ++i)
                urls << "http://127.0.0.1:9/" + QByteArray::number(i);
            QVERIFY((*db)->createBatch(u"large"_s, urls, BatchSettings{}, {}));
        }
        const QString damage = DatabaseDamage::breakMiddlePage(path, u"tasks"_s);
        QVERIFY2(damage.isEmpty(), qPrintable(damage));
        QFile damaged(path);
        QVERIFY(damaged.open(QIODevice::ReadOnly));
        const QByteArray damagedBytes = damaged.readAll();
        damaged.close();

        QString said;
        QString mended;
        onNextModal<QMessageBox>([&said, &mended, choice](QMessageBox *box) {
            said = box->text() + u'\n' + box->informativeText();
            box->findChild<QPushButton *>(choice)->click();
            if (choice != u"withoutHistory") // then says what it did
                onNextModal<QMessageBox>([&mended](QMessageBox *done) {
                    mended = done->text();
                    done->accept();
                });
        });
        HistoryTroublePrompt::Opened opened = HistoryTroublePrompt::open(path, nullptr);
        QVERIFY2(said.contains(path), qPrintable(said));
        QVERIFY2(said.contains(u"database disk image is malformed"_s), qPrintable(said));
        QVERIFY2(said.contains(u"The file is damaged"_s), qPrintable(said));

        // The damaged file, with its -wal and -shm beside it if SQLite left them.
        QStringList kept = QDir(dir.path()).entryList({u"history.sqlite.damaged-*"_s}, QDir::Files);
        kept.removeIf([](const QString &name) { return name.endsWith(u"-wal"_s) || name.endsWith(u"-shm"_s); });
        if (choice == u"withoutHistory") {
            QVERIFY(!opened.history);
            QVERIFY2(opened.message.startsWith(u"Work is not recorded: history database "_s), qPrintable(opened.message));
            QVERIFY(kept.isEmpty());
            QVERIFY(damaged.open(QIODevice::ReadOnly));
            QCOMPARE(damaged.readAll(), damagedBytes); // left as it was
            return;
        }
        QVERIFY(opened.history);
        QCOMPARE(kept.size(), 1);
        QFile aside(dir.filePath(kept.first()));
        QVERIFY(aside.open(QIODevice::ReadOnly));
        QCOMPARE(aside.readAll(), damagedBytes); // kept, never deleted
        QVERIFY2(opened.message.contains(aside.fileName()), qPrintable(opened.message));
        QCOMPARE(mended, opened.message);
        const QList<HistoryBatch> batches = opened.history->batches().result();
        if (choice == u"moveAside") {
            QVERIFY2(opened.message.startsWith(u"A new history was started"_s), qPrintable(opened.message));
            QVERIFY(batches.isEmpty());
        } else {
            QVERIFY2(opened.message.startsWith(u"Recovered 1 batch and "_s), qPrintable(opened.message));
            QCOMPARE(batches.size(), 1);
            QCOMPARE(batches.first().name, u"large"_s);
        }
    }

    void queuedBatchesAreRecorded()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        {
            Window w(path);
            w.window->queueText(m_server.url(u"/ok"_s).toString() + u'\n' + m_server.url(u"/status/500?r"_s).toString(), u"recorded"_s);
            QTRY_COMPARE(w.batches()->rowCount(), 1);
            QTRY_COMPARE(w.count(0, BatchListModel::Succeeded) + w.count(0, BatchListModel::Failed), 2);
        }
        const QList<TaskRow> rows = rowsOf(path);
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0].state, u"succeeded"_s);
        QCOMPARE(rows[1].state, u"failed"_s);
        QCOMPARE(rows[1].httpStatus, 500);
    }

    void quittingRecordsTheCancellations()
    {
        // Cancelled on the way out, the tasks end as cancelled, not as work to resume.
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        {
            Window w(path);
            w.window->queueText(m_server.url(u"/hang?q=1"_s).toString() + u'\n' + m_server.url(u"/hang?q=2"_s).toString(), u"open"_s);
            QTRY_COMPARE(w.batches()->rowCount(), 1);
            QTRY_COMPARE(w.count(0, BatchListModel::Running), 2);
            w.window->quitNow();
        }
        const QList<TaskRow> rows = rowsOf(path);
        QCOMPARE(rows.size(), 2);
        for (const TaskRow &row : rows) {
            QCOMPARE(row.state, u"cancelled"_s);
            QCOMPARE(row.cancelReason, u"cancelled at shutdown"_s);
        }
        QVERIFY((*HistoryDatabase::open(path))->orphaned()->isEmpty());
    }

    void unfinishedWorkIsOfferedAndResumed()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        QList<QUrl> urls;
        for (int i = 0; i < 5; ++i)
            urls << m_server.url(u"/ok?resume=%1"_s.arg(i));
        const BatchPlan plan = leftBehind(path, urls, 2);
        m_server.resetCounters();
        QString asked;
        onNextModal<QMessageBox>([&asked](QMessageBox *box) {
            asked = box->text();
            for (QAbstractButton *button : box->buttons()) {
                if (button->text().remove(u'&').startsWith(u"Resume"))
                    button->click();
            }
        });
        {
            Window w(path);
            QTRY_VERIFY(!asked.isEmpty());
            QVERIFY2(asked.contains(u"“left behind” (3 of 5 tasks unfinished)"_s), qPrintable(asked));
            QTRY_COMPARE(w.batches()->rowCount(), 1);
            QTRY_COMPARE(w.count(0, BatchListModel::Succeeded), 3);
            QCOMPARE(w.batches()->index(0, BatchListModel::Name).data().toString(), u"left behind"_s);
        }
        // The three unfinished ran; the two finished were not fetched again.
        QCOMPARE(m_server.requestCount(), 3);
        QVERIFY(!m_server.requestedPaths().contains(u"/ok?resume=0"_s));
        for (const TaskRow &row : rowsOf(path, plan.id))
            QCOMPARE(row.state, u"succeeded"_s);
    }

    void unfinishedWorkCanBeDiscarded()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        const BatchPlan plan = leftBehind(path, {m_server.url(u"/ok?d=1"_s), m_server.url(u"/ok?d=2"_s)}, 1);
        bool asked = false;
        onNextModal<QMessageBox>([&asked](QMessageBox *box) {
            asked = true;
            for (QAbstractButton *button : box->buttons()) {
                if (button->text().remove(u'&') == u"Discard")
                    button->click();
            }
        });
        {
            Window w(path);
            QTRY_VERIFY(asked);
            QTRY_COMPARE(rowsOf(path, plan.id).last().state, u"cancelled"_s);
            QCOMPARE(w.batches()->rowCount(), 0);
        }
        QCOMPARE(rowsOf(path, plan.id).last().cancelReason, u"not resumed"_s);
    }

    // A batch of an earlier run, opened from the history, shows on the timeline with its
    // attempts' phases, as it ran.
    void aRecordedBatchShowsOnTheTimeline()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        {
            Window earlier(path);
            earlier.window->queueText(m_server.url(u"/ok?t1"_s).toString() + u'\n' + m_server.url(u"/ok?t2"_s).toString(), u"past"_s);
            QTRY_COMPARE(earlier.batches()->rowCount(), 1);
            QTRY_COMPARE(earlier.count(0, BatchListModel::Succeeded), 2);
        }
        Window w(path);
        auto *timeline = w.window->findChild<TimelineView *>(u"timelineView"_s);
        QVERIFY(timeline);
        QCOMPARE(timeline->batch(), BatchId(0)); // nothing ran in this window
        w.window->findChild<QAction *>(u"historyAction"_s)->trigger();
        auto *dialog = w.window->findChild<HistoryDialog *>();
        QTRY_VERIFY(dialog && dialog->isVisible());
        auto *view = dialog->findChild<QTableView *>(u"History"_s);
        QTRY_COMPARE(view->model()->rowCount(), 1);
        view->selectRow(0);
        QTRY_VERIFY(dialog->findChild<QPushButton *>(u"showTimeline"_s)->isEnabled());
        dialog->findChild<QPushButton *>(u"showTimeline"_s)->click();
        QTRY_VERIFY(timeline->batch() != 0);
        dialog->close();
        timeline->fit();
        QSet<TaskId> found;
        bool phases = false;
        for (int y = TimelineView::AxisHeight; y < timeline->viewport()->height(); y += 3)
            for (int x = TimelineView::GutterWidth; x < timeline->viewport()->width(); x += 2)
                if (const TaskSpan *task = timeline->taskAt({x, y})) {
                    found << task->id;
                    const std::vector<TaskSpan::Piece> pieces = task->pieces();
                    phases |= std::any_of(pieces.cbegin(), pieces.cend(),
                                          [](const TaskSpan::Piece &piece) { return piece.phase == TaskSpan::Phase::FirstByte; });
                }
        QCOMPARE(found.size(), 2);
        QVERIFY(phases);
    }

    void historyDialogRetriesFailuresAndExports()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_s);
        Window w(path);
        w.window->queueText(m_server.url(u"/fail-then-ok/dialog/1"_s).toString() + u'\n' + m_server.url(u"/ok?h"_s).toString(), u"flaky"_s);
        QTRY_COMPARE(w.batches()->rowCount(), 1);
        QTRY_COMPARE(w.count(0, BatchListModel::Failed) + w.count(0, BatchListModel::Succeeded), 2);
        QCOMPARE(w.count(0, BatchListModel::Failed), 1);

        w.window->findChild<QAction *>(u"historyAction"_s)->trigger();
        auto *dialog = w.window->findChild<HistoryDialog *>();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        auto *view = dialog->findChild<QTableView *>(u"History"_s);
        QTRY_COMPARE(view->model()->rowCount(), 1);
        QTRY_VERIFY(dialog->findChild<QPushButton *>(u"retryFailed"_s)->isEnabled());
        dialog->findChild<QPushButton *>(u"retryFailed"_s)->click();
        QTRY_COMPARE(w.batches()->rowCount(), 2);
        QCOMPARE(w.batches()->index(1, BatchListModel::Name).data().toString(), u"flaky (retry failed)"_s);
        QTRY_COMPARE(w.count(1, BatchListModel::Succeeded), 1); // the 503 answered 200 this time

        const QString exported = dir.filePath(u"batch-1.jsonl"_s); // the name offered
        onNextModal<QFileDialog>([&dir](QFileDialog *files) {
            files->setDirectory(dir.path());
            static_cast<QDialog *>(files)->accept(); // public there, protected in QFileDialog
        });
        view->selectRow(view->model()->rowCount() - 1); // the oldest: "flaky"
        QTRY_VERIFY(dialog->findChild<QPushButton *>(u"export"_s)->isEnabled());
        dialog->findChild<QPushButton *>(u"export"_s)->click();
        QTRY_VERIFY(dialog->findChild<QLabel *>(u"historyStatus"_s)->text().startsWith(u"Exported 2 tasks to "_s));
        QFile file(exported);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(dialog->findChild<QLabel *>(u"historyStatus"_s)->text()));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QCOMPARE(QJsonDocument::fromJson(lines[0]).object()[u"http_status"].toInt(), 503);

        // The retry is linked to the failure it retried.
        const QList<TaskRow> rows = rowsOf(path);
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows[2].retryOf, rows[0].id);
        dialog->close();
    }
};

QTEST_MAIN(TestHistoryWindow)
#include "tst_history_window.moc"
