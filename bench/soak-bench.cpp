// A long session of the window: batch after batch of tiny responses, each finished batch
// removed from the views (Tasks → Remove Finished Batches), as someone working through lists
// all day would. Memory must come back to where it was after the first batch, and the GUI
// loop must stay within the monitor's lag target throughout. See bench/README.md.
//
//   soak-bench URL [BATCHES] [TASKS]   (URL: a tiny response; default 10 batches of 100,000)
#include "Engine.h"
#include "History.h"
#include "LoopMonitor.h"
#include "MainWindow.h"
#include "MonitoredApplication.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <set>
#include <cstdio>
#include <vector>

using namespace Qt::StringLiterals;
using namespace loopscope;

namespace {
constexpr double LagTargetMs = 16;  // the monitor's target for the GUI loop's p99
constexpr double RssGrowthLimit = 0.10; // from the first batch to the last

double rssMiB()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024;
    }
    return 0;
}
} // namespace

int main(int argc, char **argv)
{
    MonitoredApplication<QApplication> app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: soak-bench URL [BATCHES] [TASKS]\n");
        return 2;
    }
    const QString url = QString::fromLocal8Bit(argv[1]);
    const int batches = argc > 2 ? std::atoi(argv[2]) : 10;
    const int tasks = argc > 3 ? std::atoi(argv[3]) : 100'000;

    // As the window runs for a user: recording every batch in a history of its own.
    QTemporaryDir dir;
    Result<std::unique_ptr<History>> opened = History::open(dir.filePath(u"history.sqlite"_s));
    if (!opened) {
        std::fprintf(stderr, "soak-bench: %s\n", qPrintable(opened.error()));
        return 1;
    }
    const std::unique_ptr<History> history = std::move(opened).value();
    Engine engine;
    history->follow(engine);
    MainWindow window(engine, history.get());
    window.resize(1400, 900);
    window.show();
    QAction *removeFinished = window.findChild<QAction *>(u"removeFinishedAction"_s);

    // The window's own monitor of the GUI loop: the one its slow callbacks are timed by.
    auto *lag = window.findChild<LoopMonitor *>();
    std::vector<LoopReport> reports;
    QObject::connect(lag, &LoopMonitor::reported, &app, [&reports](const LoopReport &report) { reports.push_back(report); });
    // What held the loop, when something did: the reason to look at a missed target.
    if (qEnvironmentVariableIsSet("SOAK_SLOW_CALLBACKS")) {
        lag->setThreshold(qEnvironmentVariableIntValue("SOAK_SLOW_CALLBACKS"));
        QObject::connect(lag, &LoopMonitor::slowCallback, &app, [](const SlowCallback &callback) {
            std::printf("  slow: %.0f ms %s\n", callback.ms, qPrintable(callback.what));
        });
    }

    QString list;
    for (int i = 0; i < tasks; ++i)
        list += url + u"?n="_s + QString::number(i) + u'\n';
    std::vector<double> rss;
    std::vector<double> lagP99;
    int done = 0;
    qint64 startedAt = -1;
    size_t firstReport = 0;
    std::set<BatchId> ended;
    const auto next = [&] {
        startedAt = -1;
        firstReport = reports.size();
        window.queueText(list, u"soak %1"_s.arg(done + 1));
    };
    engine.observe(&app, [&](const EngineUpdate &update) {
        for (const BatchRecord &batch : update.batches) {
            if (batch.total != tasks || batch.kind != BatchKind::Fetches)
                continue;
            if (startedAt < 0 && batch.firstStartedAt >= 0)
                startedAt = batch.firstStartedAt;
            if (!batch.finished() || !ended.insert(batch.id).second)
                continue;
            // After the next report (it covers the batch's end), the batch is removed and the
            // memory read once the window has had a turn to let go of it.
            QTimer::singleShot(LoopMonitor::TickMs * LoopMonitor::ReportEveryTicks + 100, &app, [&, elapsedMs = batch.lastFinishedAt - startedAt] {
                double worst = 0;
                for (size_t i = firstReport; i < reports.size(); ++i)
                    worst = std::max(worst, reports[i].lagP99Ms);
                removeFinished->trigger();
                QTimer::singleShot(500, &app, [&, worst, elapsedMs] {
                    rss.push_back(rssMiB());
                    lagP99.push_back(worst);
                    ++done;
                    std::printf("batch %2d: %d tasks in %.1f s; GUI loop lag p99 %.1f ms; RSS after removing it %.1f MiB\n", done, tasks,
                                double(elapsedMs) / 1000, worst, rss.back());
                    std::fflush(stdout);
                    if (done < batches)
                        next();
                    else
                        app.quit();
                });
            });
        }
    });
    QTimer::singleShot(0, &window, next);
    app.exec();
    if (done < batches) {
        std::fprintf(stderr, "soak-bench: stopped after %d batches\n", done);
        return 1;
    }
    const double growth = rss.back() / rss.front() - 1;
    const double worstLag = *std::max_element(lagP99.begin(), lagP99.end());
    std::printf("RSS after the last batch: %.1f MiB, after the first: %.1f MiB: %+.1f%% (limit +%.0f%%): %s\n", rss.back(), rss.front(),
                growth * 100, RssGrowthLimit * 100, growth <= RssGrowthLimit ? "met" : "missed");
    std::printf("GUI loop lag p99, worst batch: %.1f ms (target <= %.0f ms): %s\n", worstLag, LagTargetMs,
                worstLag <= LagTargetMs ? "met" : "missed");
    return 0;
}
