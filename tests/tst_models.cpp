// The window's models, checked by QAbstractItemModelTester while engine-like updates arrive.
#include "BatchListModel.h"
#include "EngineClock.h"
#include "HostsModel.h"
#include "TaskFilterProxy.h"
#include "TaskTableModel.h"
#include "WorkerModel.h"

#include <QAbstractItemModelTester>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
TaskRecord task(TaskId id, BatchId batch, TaskState state, const QString &url = {})
{
    TaskRecord record;
    record.id = id;
    record.batch = batch;
    record.url = QUrl(url.isEmpty() ? u"http://example.org/%1"_s.arg(id) : url);
    record.state = state;
    record.queuedAt = 0;
    if (state != TaskState::Queued) {
        record.startedAt = 10;
        record.worker = u"Worker 1"_s;
    }
    if (isTerminal(state))
        record.finishedAt = 30;
    return record;
}

BatchRecord batch(BatchId id, int total, int concurrency = 2)
{
    BatchRecord record;
    record.id = id;
    record.name = u"batch %1"_s.arg(id);
    record.total = total;
    record.counts[0] = total;
    record.settings.concurrency = concurrency;
    return record;
}
} // namespace

class TestModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hostsAreCountedFromTheTasks()
    {
        QCOMPARE(HostsModel::hostOf(u"https://user:pw@Example.org:8443/a?b#c"_s), u"example.org:8443"_s);
        QCOMPARE(HostsModel::hostOf(u"http://example.org?x"_s), u"example.org"_s);
        TaskTableModel tasks;
        QList<TaskRecord> records;
        for (int i = 0; i < 3; ++i) {
            TaskRecord done = task(TaskId(i + 1), 1, i == 2 ? TaskState::Failed : TaskState::Succeeded, u"http://a.example/%1"_s.arg(i));
            done.timings.ttfbMs = 10.0 * (i + 1);
            done.bytesReceived = 1000;
            records << done;
        }
        records << task(4, 1, TaskState::Running, u"http://b.example:8080/x"_s) << task(5, 2, TaskState::Succeeded, u"http://c.example/"_s);
        tasks.apply(records);
        BatchRecord record = batch(1, 4, 6);
        record.slowedHosts << SlowedHost{u"a.example"_s, 3, u"slowed after 429 at 12:00:00: 3 of 6"_s};
        HostsModel hosts;
        QAbstractItemModelTester tester(&hosts);
        hosts.refresh(tasks, &record);
        QCOMPARE(hosts.rowCount(), 2); // batch 2's host is not among them
        const auto cell = [&hosts](int row, int column) { return hosts.index(row, column).data().toString(); };
        QCOMPARE(cell(0, HostsModel::Host), u"a.example"_s);
        QCOMPARE(cell(0, HostsModel::InUse), u"0 of 3"_s);
        QCOMPARE(cell(0, HostsModel::Done), u"3"_s);
        QCOMPARE(cell(0, HostsModel::Failed), u"1"_s);
        QCOMPARE(cell(0, HostsModel::FirstByte), u"20 ms"_s);
        QCOMPARE(cell(0, HostsModel::Slowed), u"slowed after 429 at 12:00:00: 3 of 6"_s);
        QCOMPARE(cell(1, HostsModel::Host), u"b.example:8080"_s);
        QCOMPARE(cell(1, HostsModel::InUse), u"1 of 6"_s);
        QCOMPARE(cell(1, HostsModel::FirstByte), QString());
        hosts.refresh(tasks, nullptr);
        QCOMPARE(hosts.rowCount(), 0);
    }

    void taskRowsAreAppendedAndUpdatedInRanges()
    {
        TaskTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<TaskRecord> queued;
        for (TaskId id = 1; id <= 100; ++id)
            queued << task(id, 1, TaskState::Queued);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.apply(queued);
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(inserted.size(), 1); // one insertion for the whole update

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.apply({task(5, 1, TaskState::Running), task(6, 1, TaskState::Running), task(7, 1, TaskState::Running),
                     task(50, 1, TaskState::Failed)});
        QCOMPARE(changed.size(), 2); // rows 4–6, then row 49
        QCOMPARE(changed[0][0].toModelIndex().row(), 4);
        QCOMPARE(changed[0][1].toModelIndex().row(), 6);
        QCOMPARE(changed[0][1].toModelIndex().column(), TaskTableModel::ColumnCount - 1);
        QCOMPARE(changed[1][0].toModelIndex().row(), 49);
        QCOMPARE(model.index(49, TaskTableModel::State).data().toString(), u"failed"_s);
        QCOMPARE(model.index(4, TaskTableModel::Worker).data().toString(), u"Worker 1"_s);
        QCOMPARE(model.task(49).id, TaskId(50));

        // Many scattered rows: one signal spanning them.
        changed.clear();
        QList<TaskRecord> scattered;
        for (TaskId id = 1; id <= 100; id += 2)
            scattered << task(id, 1, TaskState::Succeeded);
        model.apply(scattered);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex().row(), 0);
        QCOMPARE(changed[0][1].toModelIndex().row(), 98);
    }

    void taskProgressAndSortKeys()
    {
        TaskTableModel model;
        TaskRecord partial = task(1, 1, TaskState::Running);
        partial.bytesReceived = 250;
        partial.bytesTotal = 1000;
        TaskRecord unknown = task(2, 1, TaskState::Running);
        model.apply({partial, unknown});
        QCOMPARE(model.index(0, TaskTableModel::Progress).data(TaskTableModel::ProgressRole).toInt(), 250);
        QCOMPARE(model.index(1, TaskTableModel::Progress).data(TaskTableModel::ProgressRole).toInt(), -1);
        QCOMPARE(model.index(0, TaskTableModel::Size).data().toString(), u"250 B / 1000 B"_s);
        QVERIFY(!model.index(0, TaskTableModel::Run).data().toString().isEmpty());
        QCOMPARE(model.index(0, TaskTableModel::State).data(Qt::DecorationRole).userType(), QMetaType::QIcon);
    }

    void speedEtaAndFileColumns()
    {
        TaskTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        TaskRecord sized = task(1, 1, TaskState::Running);
        sized.startedAt = 0;
        sized.bytesReceived = 2 * 1024 * 1024;
        sized.bytesTotal = 5 * 1024 * 1024;
        TaskRecord unsized = task(2, 1, TaskState::Running);
        unsized.startedAt = 0;
        unsized.bytesReceived = 1000;
        TaskRecord saved = task(3, 1, TaskState::Succeeded);
        saved.bytesReceived = saved.bytesTotal = 4096;
        saved.savedPath = u"/tmp/out/file.bin"_s;
        model.apply({sized, unsized, saved, task(4, 1, TaskState::Queued)});
        QCOMPARE(model.headerData(TaskTableModel::Speed, Qt::Horizontal).toString(), u"Speed"_s);
        QCOMPARE(model.headerData(TaskTableModel::Eta, Qt::Horizontal).toString(), u"ETA"_s);
        QCOMPARE(model.headerData(TaskTableModel::File, Qt::Horizontal).toString(), u"File"_s);
        // 2 MiB in 2 s: 1 MiB/s, and 3 MiB to go.
        QCOMPARE(TaskTableModel::speed(sized, 2'000), 1024.0 * 1024);
        QCOMPARE(TaskTableModel::etaMs(sized, 2'000), qint64(3'000));
        QCOMPARE(TaskTableModel::etaMs(unsized, 2'000), qint64(-1)); // size unknown
        QCOMPARE(TaskTableModel::etaMs(saved, 2'000), qint64(-1));   // no longer running
        QCOMPARE(TaskTableModel::speed(task(4, 1, TaskState::Queued), 2'000), 0.0);
        // The cells tick with the clock, as the timers do, once it has moved past the start.
        QTRY_VERIFY(EngineClock::now() > 0);
        QVERIFY(model.index(0, TaskTableModel::Speed).data().toString().endsWith(u"/s"_s));
        QVERIFY(model.index(0, TaskTableModel::Eta).data().toString().endsWith(u" s"_s));
        QVERIFY(model.index(0, TaskTableModel::Eta).data(TaskTableModel::SortRole).toLongLong() >= 0);
        QCOMPARE(model.index(0, TaskTableModel::Size).data().toString(), u"2.0 MiB / 5.0 MiB"_s);
        QVERIFY(!model.index(1, TaskTableModel::Speed).data().toString().isEmpty());
        QVERIFY(model.index(1, TaskTableModel::Eta).data().toString().isEmpty());
        QVERIFY(model.index(2, TaskTableModel::Eta).data().toString().isEmpty());
        QCOMPARE(model.index(2, TaskTableModel::File).data().toString(), u"/tmp/out/file.bin"_s);
        QCOMPARE(model.index(2, TaskTableModel::Size).data().toString(), u"4.0 KiB"_s);
        QVERIFY(model.index(3, TaskTableModel::Speed).data().toString().isEmpty());
        QVERIFY(model.index(3, TaskTableModel::Eta).data().toString().isEmpty());
    }

    void filterByBatchStateAndText()
    {
        TaskTableModel model;
        TaskFilterProxy proxy(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        TaskRecord failed = task(3, 2, TaskState::Failed, u"http://other.example/missing"_s);
        failed.error = u"HTTP 404 Not Found"_s;
        model.apply({task(1, 1, TaskState::Succeeded), task(2, 1, TaskState::Running), failed});
        QCOMPARE(proxy.rowCount(), 3);
        proxy.setBatch(1);
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setBatch(0);
        proxy.setStateFilter(TaskFilterProxy::StateFilter::Failed);
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setStateFilter(TaskFilterProxy::StateFilter::NotSucceeded);
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setStateFilter(TaskFilterProxy::StateFilter::All);
        proxy.setText(u"404"_s);
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setText(u"OTHER.example"_s);
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setText({});
        proxy.sort(TaskTableModel::State, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, TaskTableModel::State).data().toString(), u"failed"_s);
        // A filtered-out row that changes state comes back.
        proxy.setStateFilter(TaskFilterProxy::StateFilter::Succeeded);
        QCOMPARE(proxy.rowCount(), 1);
        model.apply({task(2, 1, TaskState::Succeeded)});
        QCOMPARE(proxy.rowCount(), 2);
    }

    void batchRowsShowCountsAndGain()
    {
        BatchListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        BatchRecord record = batch(1, 4);
        model.apply({record});
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(model.index(0, BatchListModel::Work).data().toString().isEmpty());
        record.counts = {0, 0, 3, 1, 0};
        record.firstStartedAt = 1000;
        record.lastFinishedAt = 18'000;
        record.finishedRunMs = 32'000;
        model.apply({record, batch(2, 1)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, BatchListModel::Progress).data().toString(), u"4 / 4"_s);
        QCOMPARE(model.index(0, BatchListModel::Progress).data(BatchListModel::ProgressRole).toInt(), 1000);
        QCOMPARE(model.index(0, BatchListModel::Succeeded).data().toInt(), 3);
        QCOMPARE(model.index(0, BatchListModel::Failed).data().toInt(), 1);
        QCOMPARE(model.index(0, BatchListModel::Work).data().toString(), u"32.0 s of work in 17.0 s — 1.9×"_s);
    }

    void workersFollowTheirTasks()
    {
        WorkerModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.apply({{}, {batch(1, 5, 2)}});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(1, WorkerModel::Worker).data().toString(), u"Worker 2"_s);
        QCOMPARE(model.index(0, WorkerModel::Doing).data().toString(), u"idle"_s);
        TaskRecord running = task(1, 1, TaskState::Running);
        model.apply({{running}, {}});
        QVERIFY(model.index(0, WorkerModel::Doing).data().toString().startsWith(u"getting http://example.org/1"_s));
        model.apply({{task(1, 1, TaskState::Succeeded)}, {}});
        QCOMPARE(model.index(0, WorkerModel::Doing).data().toString(), u"idle"_s);
        BatchRecord done = batch(1, 5, 2);
        done.counts = {0, 0, 5, 0, 0};
        model.apply({{}, {done}});
        QCOMPARE(model.rowCount(), 0);
    }

    void aWaitToRetryShowsAsSuch()
    {
        TaskRecord waiting = task(1, 1, TaskState::Running);
        waiting.attempts = 1;
        waiting.retryAt = EngineClock::now() + 60'000;
        TaskTableModel tasks;
        tasks.apply({waiting});
        const QRegularExpression retrying(u"^retrying in \\d+\\.\\d s$"_s);
        QVERIFY2(retrying.match(tasks.index(0, TaskTableModel::State).data().toString()).hasMatch(),
                 qPrintable(tasks.index(0, TaskTableModel::State).data().toString()));
        QCOMPARE(tasks.task(0).state, TaskState::Running);

        WorkerModel workers;
        workers.apply({{waiting}, {batch(1, 1, 1)}});
        const QRegularExpression doing(u"^waiting \\d+\\.\\d s to retry http://example.org/1$"_s);
        QVERIFY2(doing.match(workers.index(0, WorkerModel::Doing).data().toString()).hasMatch(),
                 qPrintable(workers.index(0, WorkerModel::Doing).data().toString()));

        // The next attempt starts: the wait is over.
        waiting.attempts = 2;
        waiting.retryAt = -1;
        tasks.apply({waiting});
        workers.apply({{waiting}, {}});
        QCOMPARE(tasks.index(0, TaskTableModel::State).data().toString(), u"running"_s);
        QVERIFY(workers.index(0, WorkerModel::Doing).data().toString().startsWith(u"getting "_s));
    }
};

QTEST_MAIN(TestModels)
#include "tst_models.moc"
