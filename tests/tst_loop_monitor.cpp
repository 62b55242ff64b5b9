// Loop health: how late each loop runs its timer, and the callbacks that hold it too long,
// named. Each loop is blocked on purpose here; a normal batch against nginx holds none long.
#include "Engine.h"
#include "LagWindow.h"
#include "LoopMonitor.h"
#include "MonitoredApplication.h"
#include "support/Waits.h"
#include "WorkerLoop.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace loopscope;

namespace {
constexpr int BlockMs = 300;

QUrl nginxUrl(const QString &path)
{
    QFile port(qEnvironmentVariable("LOOPSCOPE_NGINX_DIR") + u"/port"_s);
    if (!port.open(QIODevice::ReadOnly))
        return {};
    return QUrl(u"http://127.0.0.1:"_s + QString::fromLatin1(port.readAll().trimmed()) + path);
}

// The reports a monitor sends until one shows a lag of at least minimumLagMs.
bool waitForLag(QSignalSpy &reports, double minimumLagMs)
{
    for (int waited = 0; waited < 50; ++waited) {
        for (const QList<QVariant> &report : std::as_const(reports))
            if (report.at(0).value<LoopReport>().lagMaxMs >= minimumLagMs)
                return true;
        reports.wait(200);
    }
    return false;
}
} // namespace

class TestLoopMonitor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<LoopReport>();
        qRegisterMetaType<SlowCallback>();
    }

    void lagWindowKeepsItsSpanAndRanksByNearestRank()
    {
        LagWindow window(1000);
        for (int i = 1; i <= 100; ++i)
            window.add(i, i);
        LagWindow::Stats stats = window.stats();
        QCOMPARE(stats.samples, 100);
        QCOMPARE(stats.p50Ms, 50.0);
        QCOMPARE(stats.p99Ms, 99.0);
        QCOMPARE(stats.maxMs, 100.0);
        window.add(1200, 1); // samples before 200 leave the window
        stats = window.stats();
        QCOMPARE(stats.samples, 1);
        QCOMPARE(stats.maxMs, 1.0);
    }

    void blockedMainLoopIsNamedAndLate()
    {
        LoopMonitor monitor(u"main loop"_s);
        QSignalSpy slow(&monitor, &LoopMonitor::slowCallback);
        QSignalSpy reports(&monitor, &LoopMonitor::reported);
        monitor.start();
        QObject blocker;
        blocker.setObjectName(u"blocker"_s);
        QTimer::singleShot(0, &blocker, [] { QThread::msleep(BlockMs); });
        QTRY_COMPARE(slow.size(), 1);
        const auto callback = slow.first().first().value<SlowCallback>();
        QCOMPARE(callback.loop, u"main loop"_s);
        QCOMPARE(callback.what, u"QObject \"blocker\": posted call"_s);
        QVERIFY2(callback.ms >= BlockMs, qPrintable(QString::number(callback.ms)));
        QVERIFY(waitForLag(reports, BlockMs - 100));
        QCOMPARE(reports.last().first().value<LoopReport>().slowCallbacks, 1);
    }

    void anActivityNamesTheCallback()
    {
        LoopMonitor monitor(u"main loop"_s);
        QSignalSpy slow(&monitor, &LoopMonitor::slowCallback);
        monitor.start();
        QTimer::singleShot(0, this, [] {
            QThread::msleep(10);
            const LoopMonitor::Activity activity("writing on purpose", 42);
            QThread::msleep(BlockMs);
        });
        QTRY_COMPARE(slow.size(), 1);
        QCOMPARE(slow.first().first().value<SlowCallback>().what, u"task 42: writing on purpose"_s);
    }

    // A modal dialog's loop waits inside the event that opened it: that is no slow callback.
    void aNestedLoopIsNotOneCallback()
    {
        LoopMonitor monitor(u"main loop"_s);
        QSignalSpy slow(&monitor, &LoopMonitor::slowCallback);
        monitor.start();
        bool nestedRan = false;
        QTimer::singleShot(0, this, [&nestedRan] {
            QEventLoop nested;
            QTimer::singleShot(BlockMs, &nested, &QEventLoop::quit);
            nested.exec();
            nestedRan = true;
        });
        QTRY_VERIFY(nestedRan);
        QTest::qWait(50);
        QCOMPARE(slow.size(), 0);
    }

    void blockedWorkerLoopIsNamed()
    {
        WorkerLoop loop(u"test worker"_s);
        LoopMonitor *monitor = loop.watch(u"worker loop"_s);
        // Heard on this thread through its Mailbox: a QSignalSpy would be filled on the worker.
        QList<SlowCallback> slow;
        double worstLagMs = 0;
        connect(monitor, &LoopMonitor::slowCallback, monitor,
                relayTo<SlowCallback>(this, [&slow](const SlowCallback &callback) { slow << callback; }), Qt::DirectConnection);
        connect(monitor, &LoopMonitor::reported, monitor,
                relayTo<LoopReport>(this, [&worstLagMs](const LoopReport &report) { worstLagMs = std::max(worstLagMs, report.lagMaxMs); }),
                Qt::DirectConnection);
        loop.post([] { QThread::msleep(BlockMs); });
        QTRY_COMPARE(slow.size(), 1);
        QCOMPARE(slow.first().loop, u"worker loop"_s);
        QCOMPARE(slow.first().what, u"loopscope::Mailbox \"test worker\": posted call"_s);
        QVERIFY(slow.first().ms >= BlockMs);
        QTRY_VERIFY_WITH_TIMEOUT(worstLagMs >= BlockMs - 100, 10'000);
    }

    void aNormalBatchHoldsNoLoopLong()
    {
        const QUrl ok = nginxUrl(u"/ok"_s);
        QVERIFY2(!ok.isEmpty(), "the nginx fixture is not running (LOOPSCOPE_NGINX_DIR/port)");
        LoopMonitor mainLoop(u"main loop"_s);
        QSignalSpy mainSlow(&mainLoop, &LoopMonitor::slowCallback);
        mainLoop.start();
        Engine engine;
        QList<SlowCallback> workerSlow;
        QList<LoopReport> workerReports;
        engine.observeSlowCallbacks(this, [&workerSlow](const SlowCallback &callback) { workerSlow << callback; });
        engine.observeLoopReports(this, [&workerReports](const LoopReport &report) { workerReports << report; });
        QList<QUrl> urls;
        for (int i = 0; i < 500; ++i)
            urls << QUrl(ok.toString() + u"?n="_s + QString::number(i));
        BatchSettings settings;
        settings.concurrency = 20;
        const BatchId batch = engine.addBatch(u"normal"_s, urls, settings);
        ASSIGN_OR_FAIL(const BatchRecord finished, resultWithin(engine.whenBatchFinished(batch), 60'000, u"the batch"_s));
        QCOMPARE(finished.count(TaskState::Succeeded), 500);
        // A report after the batch: the monitor saw all of it.
        const qsizetype reportsBefore = workerReports.size();
        QTRY_VERIFY_WITH_TIMEOUT(workerReports.size() > reportsBefore, 5000);
        for (const SlowCallback &callback : std::as_const(workerSlow))
            qWarning("worker loop: %s took %.0f ms", qPrintable(callback.what), callback.ms);
        QCOMPARE(workerSlow.size(), 0);
        QCOMPARE(workerReports.last().slowCallbacks, 0);
        QCOMPARE(mainSlow.size(), 0);
    }
};

int main(int argc, char **argv)
{
    MonitoredApplication<QCoreApplication> app(argc, argv);
    TestLoopMonitor test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_loop_monitor.moc"
