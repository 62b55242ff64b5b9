// The timeline: lanes per worker, tasks found by time, the view's hit testing, zoom and the
// cost of a frame for a batch of a hundred thousand tasks.
#include "TimelineModel.h"
#include "TimelineView.h"

#include <QApplication>
#include <QScrollBar>
#include <QTest>
#include <QWheelEvent>

using namespace Qt::StringLiterals;
using namespace loopscope;

namespace {
constexpr BatchId Fetches = 1;
constexpr BatchId Notifications = 99;

BatchRecord batchRecord(BatchId id, BatchKind kind, int total, qint64 start, qint64 end)
{
    BatchRecord record;
    record.id = id;
    record.kind = kind;
    record.name = u"batch %1"_s.arg(id);
    record.total = total;
    record.firstStartedAt = start;
    record.lastFinishedAt = end;
    record.counts[int(TaskState::Succeeded)] = end >= 0 ? total : 0;
    record.counts[int(TaskState::Queued)] = end >= 0 ? 0 : total;
    return record;
}

// A task that ran on worker from startMs for ms, in one attempt whose phases split it.
TaskRecord ended(TaskId id, BatchId batch, const QString &worker, qint64 startMs, qint64 ms, TaskState state = TaskState::Succeeded)
{
    TaskRecord task;
    task.id = id;
    task.batch = batch;
    task.url = QUrl(u"http://example.org/%1"_s.arg(id));
    task.state = state;
    task.worker = worker;
    task.queuedAt = 0;
    task.startedAt = startMs;
    task.finishedAt = startMs + ms;
    AttemptRecord attempt;
    attempt.httpStatus = 200;
    attempt.timings.startMs = 0;
    attempt.timings.endMs = double(ms);
    attempt.timings.dnsMs = double(ms) * 0.1;
    attempt.timings.connectMs = double(ms) * 0.2;
    attempt.timings.tlsMs = double(ms) * 0.2;
    attempt.timings.ttfbMs = double(ms) * 0.7;
    attempt.timings.totalMs = double(ms);
    task.attemptLog << attempt;
    return task;
}

EngineUpdate updateOf(QList<TaskRecord> tasks, QList<BatchRecord> batches)
{
    return EngineUpdate{std::move(tasks), std::move(batches)};
}

void wheel(QWidget *viewport, QPoint at, int delta)
{
    QWheelEvent event(at, viewport->mapToGlobal(at), {}, QPoint(0, delta), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(viewport, &event);
}
} // namespace

class TestTimeline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void lanesFollowTheWorkersAndNotificationsComeLast()
    {
        TimelineModel model;
        model.apply(updateOf({ended(1, Fetches, u"Worker 2"_s, 1000, 50), ended(2, Fetches, u"Worker 10"_s, 1000, 60),
                              ended(3, Fetches, u"Worker 1"_s, 1000, 70)},
                             {batchRecord(Fetches, BatchKind::Fetches, 3, 1000, 1070)}));
        // The batch's e-mail, sent as it ended, belongs to its timeline.
        model.apply(updateOf({ended(4, Notifications, u"Worker 1"_s, 1075, 200)}, {batchRecord(Notifications, BatchKind::Notifications, 1, 1075, 1275)}));
        const TimelineModel::Batch *batch = model.batch(Fetches);
        QVERIFY(batch);
        QStringList lanes;
        for (const TimelineModel::Lane &lane : batch->lanes)
            lanes << (lane.notifications ? u"notify "_s : QString()) + lane.worker;
        QCOMPARE(lanes, (QStringList{u"Worker 1"_s, u"Worker 2"_s, u"Worker 10"_s, u"notify Worker 1"_s}));
        BatchId in = 0;
        int lane = -1;
        QCOMPARE(model.find(2, &in, &lane)->id, TaskId(2));
        QCOMPARE(in, Fetches);
        QCOMPARE(lane, 2);
        QCOMPARE(model.find(4, &in, &lane)->id, TaskId(4));
        QCOMPARE(lane, 3);
        QVERIFY(!model.batch(Notifications)); // not a timeline of its own
    }

    void aWorkersTasksAreFoundByTime()
    {
        TimelineModel model;
        QList<TaskRecord> tasks;
        for (int i = 0; i < 100; ++i) // 10 ms each, 5 ms apart
            tasks << ended(TaskId(i + 1), Fetches, u"Worker 1"_s, 1000 + i * 15, 10);
        model.apply(updateOf(tasks, {batchRecord(Fetches, BatchKind::Fetches, 100, 1000, 1000 + 99 * 15 + 10)}));
        const TimelineModel::Lane &lane = model.batch(Fetches)->lanes.front();
        QCOMPARE(lane.taskAt(1'000'000 + 30 * 15'000 + 5'000)->id, TaskId(31));
        QVERIFY(!lane.taskAt(1'000'000 + 30 * 15'000 + 12'000)); // between two tasks
        QCOMPARE(lane.firstEndingFrom(1'000'000 + 30 * 15'000 + 12'000), size_t(31));
        QCOMPARE(lane.firstEndingFrom(0), size_t(0));
        QCOMPARE(lane.firstEndingFrom(10'000'000), size_t(100));
    }

    void aRetryShowsItsBackOffBetweenItsAttempts()
    {
        TaskRecord task = ended(1, Fetches, u"Worker 1"_s, 1000, 10, TaskState::Failed);
        AttemptRecord second = task.attemptLog.first();
        second.timings.startMs = 510;
        second.timings.endMs = 520;
        task.attemptLog << second;
        task.finishedAt = 1520;
        const TaskSpan span = TaskSpan::from(task);
        QStringList names;
        for (const TaskSpan::Piece &piece : span.pieces()) {
            names << TaskSpan::phaseName(piece.phase);
            QVERIFY(piece.startUs >= span.startUs() && piece.endUs <= span.endUs() && piece.startUs < piece.endUs);
        }
        const QStringList attempt{u"attempt"_s, u"dns"_s, u"connect"_s, u"waiting for the first byte"_s, u"transfer"_s};
        QCOMPARE(names, attempt + QStringList{u"retry back-off"_s} + attempt);
    }

    void theViewFindsTheBarUnderThePointerAndZoomsAroundIt()
    {
        TimelineModel model;
        model.apply(updateOf({ended(1, Fetches, u"Worker 1"_s, 1000, 400), ended(2, Fetches, u"Worker 1"_s, 1500, 400),
                              ended(3, Fetches, u"Worker 2"_s, 1000, 900)},
                             {batchRecord(Fetches, BatchKind::Fetches, 3, 1000, 1900)}));
        TimelineView view(model);
        view.resize(900, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setBatch(Fetches);
        QWidget *viewport = view.viewport();
        const int lane1 = view.laneTop(0) + TimelineView::LaneHeight / 2;
        const int lane2 = view.laneTop(1) + TimelineView::LaneHeight / 2;
        // Fitted: the batch's start at the gutter, its end inside the view.
        QCOMPARE(view.timeAt(TimelineView::GutterWidth), 1'000'000);
        QVERIFY(view.xOf(1'900'000) <= viewport->width());
        QCOMPARE(view.taskAt({int(view.xOf(1'200'000)), lane1})->id, TaskId(1));
        QCOMPARE(view.taskAt({int(view.xOf(1'700'000)), lane1})->id, TaskId(2));
        QVERIFY(!view.taskAt({int(view.xOf(1'450'000)), lane1})); // the gap between them
        QCOMPARE(view.taskAt({int(view.xOf(1'450'000)), lane2})->id, TaskId(3));
        QVERIFY(!view.taskAt({TimelineView::GutterWidth - 5, lane1})); // the lane's name

        const int x = int(view.xOf(1'600'000));
        const qint64 before = view.timeAt(x);
        const double widthBefore = double(view.timeAt(viewport->width()) - view.timeAt(TimelineView::GutterWidth));
        wheel(viewport, {x, lane1}, 240);
        const double widthAfter = double(view.timeAt(viewport->width()) - view.timeAt(TimelineView::GutterWidth));
        QVERIFY2(widthAfter < widthBefore * 0.7, qPrintable(u"%1 → %2"_s.arg(widthBefore).arg(widthAfter)));
        QVERIFY(std::abs(view.timeAt(x) - before) <= qint64(widthAfter / viewport->width()) + 1);

        // Dragging pans; fit() shows the whole batch again.
        QTest::mousePress(viewport, Qt::LeftButton, {}, {x, lane1});
        QTest::mouseMove(viewport, {x + 100, lane1});
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, {x + 100, lane1});
        QVERIFY(view.timeAt(x + 100) - before <= qint64(widthAfter / viewport->width()) * 2 + 1);
        view.fit();
        QCOMPARE(view.timeAt(TimelineView::GutterWidth), 1'000'000);
    }

    void clickingABarActivatesItsTask()
    {
        TimelineModel model;
        model.apply(updateOf({ended(7, Fetches, u"Worker 1"_s, 1000, 400)}, {batchRecord(Fetches, BatchKind::Fetches, 1, 1000, 1400)}));
        TimelineView view(model);
        view.resize(600, 150);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setBatch(Fetches);
        QList<TaskId> activated;
        connect(&view, &TimelineView::taskActivated, this, [&activated](TaskId id) { activated << id; });
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, {int(view.xOf(1'200'000)), view.laneTop(0) + 5});
        QCOMPARE(activated, QList<TaskId>{7});
    }

    // A frame paints the bars in view, merged where they share pixels: never one per task.
    void aHundredThousandTasksPaintOnlyWhatIsInView()
    {
        constexpr int Lanes = 50, PerLane = 2000;
        TimelineModel model;
        QList<TaskRecord> tasks;
        tasks.reserve(Lanes * PerLane);
        for (int lane = 0; lane < Lanes; ++lane)
            for (int i = 0; i < PerLane; ++i)
                tasks << ended(TaskId(lane * PerLane + i + 1), Fetches, u"Worker %1"_s.arg(lane + 1), 1000 + i * 10, 9);
        model.apply(updateOf(tasks, {batchRecord(Fetches, BatchKind::Fetches, Lanes * PerLane, 1000, 1000 + PerLane * 10)}));
        TimelineView view(model);
        view.resize(1000, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setBatch(Fetches);
        const int lanesInView = (view.viewport()->height() - TimelineView::AxisHeight) / (TimelineView::LaneHeight + TimelineView::LaneGap) + 1;
        view.viewport()->repaint();
        QVERIFY(view.paintedBars() > 0);
        QVERIFY2(view.paintedBars() <= lanesInView * view.viewport()->width(), qPrintable(QString::number(view.paintedBars())));
        // Not even looked at one by one: a task per pixel column at most.
        QVERIFY2(view.visitedTasks() <= lanesInView * (view.viewport()->width() - TimelineView::GutterWidth + 2),
                 qPrintable(QString::number(view.visitedTasks())));
        for (int i = 0; i < 20; ++i) // far in: a few tasks per lane in view
            wheel(view.viewport(), {500, 100}, 120);
        view.viewport()->repaint();
        const qint64 tasksPerLaneInView = (view.timeAt(view.viewport()->width()) - view.timeAt(TimelineView::GutterWidth)) / 10'000 + 2;
        QVERIFY(tasksPerLaneInView < 50);
        QVERIFY(view.paintedBars() > 0);
        QVERIFY2(view.paintedBars() <= lanesInView * tasksPerLaneInView, qPrintable(QString::number(view.paintedBars())));
    }

    // Among thousands of successes narrower than a pixel each, the one failure still shows.
    void aNarrowFailureIsNotHiddenAmongSuccesses()
    {
        constexpr int PerLane = 4000, Failed = 2345;
        TimelineModel model;
        QList<TaskRecord> tasks;
        for (int i = 0; i < PerLane; ++i)
            tasks << ended(TaskId(i + 1), Fetches, u"Worker 1"_s, 1000 + i * 10, 9, i + 1 == Failed ? TaskState::Failed : TaskState::Succeeded);
        model.apply(updateOf(tasks, {batchRecord(Fetches, BatchKind::Fetches, PerLane, 1000, 1000 + PerLane * 10)}));
        TimelineView view(model);
        view.resize(800, 150);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setBatch(Fetches);
        const QImage frame = view.viewport()->grab().toImage();
        const double at = view.xOf((1000 + (Failed - 1) * 10) * 1000);
        QVERIFY(view.xOf(1'000'000 + 9'000) - view.xOf(1'000'000) < 1); // narrower than a pixel
        const int y = view.laneTop(0) + TimelineView::LaneHeight / 2;
        const QRgb failed = TimelineView::colourOf(TaskState::Failed).rgb();
        bool seen = false;
        for (int x = int(at) - 1; x <= int(at) + 1; ++x)
            seen |= frame.pixel(x * frame.width() / view.viewport()->width(), y * frame.height() / view.viewport()->height()) == failed;
        QVERIFY(seen);
        const QRgb succeeded = TimelineView::colourOf(TaskState::Succeeded).rgb();
        QCOMPARE(frame.pixel(int(view.xOf(1'500'000)), y), succeeded);
    }

    void aRunningTaskShowsUntilItEnds()
    {
        TimelineModel model;
        TaskRecord running = ended(5, Fetches, u"Worker 1"_s, 1000, 0, TaskState::Running);
        running.finishedAt = -1;
        running.attemptLog.clear();
        model.apply(updateOf({running}, {batchRecord(Fetches, BatchKind::Fetches, 1, 1000, -1)}));
        QCOMPARE(model.batch(Fetches)->lanes.front().running.id, TaskId(5));
        model.apply(updateOf({ended(5, Fetches, u"Worker 1"_s, 1000, 300)}, {batchRecord(Fetches, BatchKind::Fetches, 1, 1000, 1300)}));
        QCOMPARE(model.batch(Fetches)->lanes.front().running.id, TaskId(0));
        QCOMPARE(model.batch(Fetches)->lanes.front().tasks.size(), size_t(1));
    }
};

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
