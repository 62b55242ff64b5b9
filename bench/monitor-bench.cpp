// The monitor's own speed targets: how long a frame of the timeline takes for a finished batch
// of 100,000 tasks, and how late the GUI loop runs while the real window, timeline shown,
// follows a batch fetched at full speed. See bench/README.md.
//
//   monitor-bench URL [TASKS]     (URL: a tiny response, e.g. nginx's /ok; default 10,000 tasks)
#include "Engine.h"
#include "LoopMonitor.h"
#include "MainWindow.h"
#include "MonitoredApplication.h"
#include "TimelineModel.h"
#include "TimelineView.h"

#include <QApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace Qt::StringLiterals;
using namespace loopscope;

namespace {
constexpr double FrameTargetMs = 8;
constexpr double LagTargetMs = 16;

// A finished batch of lanes × perLane tasks of 9 ms, 1 ms apart, each in one timed attempt.
EngineUpdate finishedBatch(int lanes, int perLane)
{
    EngineUpdate update;
    update.tasks.reserve(lanes * perLane);
    for (int lane = 0; lane < lanes; ++lane) {
        for (int i = 0; i < perLane; ++i) {
            TaskRecord task;
            task.id = TaskId(lane * perLane + i + 1);
            task.batch = 1;
            task.url = QUrl(u"http://example.org/%1"_s.arg(task.id));
            task.state = i % 50 == 0 ? TaskState::Failed : TaskState::Succeeded;
            task.worker = workerName(lane + 1);
            task.startedAt = 1000 + i * 10;
            task.finishedAt = task.startedAt + 9;
            AttemptRecord attempt;
            attempt.timings = {0, 9, 0.5, 1.5, 1.5, 7, 9, u"1.1"_s, true, u"127.0.0.1"_s};
            task.attemptLog << attempt;
            update.tasks << task;
        }
    }
    BatchRecord batch;
    batch.id = 1;
    batch.name = u"bench"_s;
    batch.total = lanes * perLane;
    batch.counts[int(TaskState::Succeeded)] = batch.total;
    batch.firstStartedAt = 1000;
    batch.lastFinishedAt = 1000 + perLane * 10;
    update.batches << batch;
    return update;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

void timelineFrames()
{
    constexpr int Lanes = 50, PerLane = 2000;
    TimelineModel model;
    model.apply(finishedBatch(Lanes, PerLane));
    TimelineView view(model);
    view.resize(1400, 500);
    view.show();
    view.setBatch(1);
    QImage image(view.viewport()->size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<double> fitted, zoomed;
    for (int frame = 0; frame < 40; ++frame) {
        QElapsedTimer timer;
        timer.start();
        view.viewport()->render(&image);
        fitted.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    const int fittedBars = view.paintedBars();
    std::printf("timeline frame, %d tasks on %d workers, whole batch in view: median %.2f ms, worst %.2f ms, %d bars painted "
                "(target <= %.0f ms): %s\n",
                Lanes * PerLane, Lanes, median(fitted), *std::max_element(fitted.begin(), fitted.end()), fittedBars, FrameTargetMs,
                median(fitted) <= FrameTargetMs ? "met" : "missed");
    view.setSelectedTask(TaskId(Lanes * PerLane / 2)); // brings one task into view without zooming: pan the same way
    for (int frame = 0; frame < 40; ++frame) {
        QElapsedTimer timer;
        timer.start();
        view.viewport()->render(&image);
        zoomed.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    std::printf("timeline frame, one task selected: median %.2f ms, worst %.2f ms\n", median(zoomed),
                *std::max_element(zoomed.begin(), zoomed.end()));
}
} // namespace

int main(int argc, char **argv)
{
    MonitoredApplication<QApplication> app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: monitor-bench URL [TASKS]\n");
        return 2;
    }
    const QString url = QString::fromLocal8Bit(argv[1]);
    const int tasks = argc > 2 ? std::atoi(argv[2]) : 10'000;
    timelineFrames();

    // The real window, its timeline shown, following a batch at full speed; the lag of the GUI
    // loop as a monitor of its own sees it (the window's monitor names slow callbacks).
    Engine engine;
    MainWindow window(engine);
    window.resize(1400, 900);
    window.show();
    if (auto *timeline = window.findChild<QDockWidget *>(u"timelineDock"_s))
        timeline->show();
    LoopMonitor lag(u"GUI loop"_s);
    std::vector<LoopReport> reports;
    QObject::connect(&lag, &LoopMonitor::reported, &app, [&reports](const LoopReport &report) { reports.push_back(report); });
    lag.start();
    QString list;
    for (int i = 0; i < tasks; ++i)
        list += url + u"?n="_s + QString::number(i) + u'\n';
    bool finished = false;
    qint64 startedAt = -1, endedAt = -1;
    engine.observe(&app, [&](const EngineUpdate &update) {
        for (const BatchRecord &batch : update.batches) {
            if (batch.total != tasks || batch.kind != BatchKind::Fetches)
                continue;
            if (startedAt < 0 && batch.firstStartedAt >= 0)
                startedAt = batch.firstStartedAt;
            if (batch.finished() && !finished) {
                finished = true;
                endedAt = batch.lastFinishedAt;
                // One more report, covering the end.
                QTimer::singleShot(LoopMonitor::TickMs * LoopMonitor::ReportEveryTicks + 100, &app, &QCoreApplication::quit);
            }
        }
    });
    QTimer::singleShot(0, &window, [&] { window.queueText(list, u"bench"_s); });
    QTimer::singleShot(600'000, &app, &QCoreApplication::quit);
    app.exec();
    if (!finished) {
        std::fprintf(stderr, "monitor-bench: the batch did not finish\n");
        return 1;
    }
    double worstP99 = 0, worst = 0;
    int during = 0;
    for (const LoopReport &report : reports) {
        if (report.at < startedAt)
            continue;
        ++during;
        worstP99 = std::max(worstP99, report.lagP99Ms);
        worst = std::max(worst, report.lagMaxMs);
    }
    std::printf("GUI loop lag while %d tasks ran in %.1f s with the timeline shown: p99 %.1f ms (worst of %d reports over the last 10 s), "
                "worst %.1f ms (target p99 <= %.0f ms): %s\n",
                tasks, double(endedAt - startedAt) / 1000, worstP99, during, worst, LagTargetMs, worstP99 <= LagTargetMs ? "met" : "missed");
    return 0;
}
