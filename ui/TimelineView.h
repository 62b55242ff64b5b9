#pragma once

#include "TimelineModel.h"

#include <QAbstractScrollArea>
#include <QTimer>

namespace loopscope {

// The batch's timeline: a lane per worker (and per notification worker), each task a bar
// from its start to its end split into its phases, a strip under it saying how it ended; the
// batch's start and end marked and, while it runs, the present. The wheel zooms around the
// pointer, dragging pans, fit() shows the whole batch; hovering a bar tells the task, clicking
// it activates it. Only what is in view is painted, found by binary search in each lane.
class TimelineView : public QAbstractScrollArea {
    Q_OBJECT
public:
    static constexpr int GutterWidth = 110;
    static constexpr int AxisHeight = 22;
    static constexpr int LaneHeight = 18;
    static constexpr int LaneGap = 3;

    explicit TimelineView(const TimelineModel &model, QWidget *parent = nullptr);

    void setBatch(BatchId batch);
    BatchId batch() const { return m_batch; }
    void setSelectedTask(TaskId task);
    TaskId selectedTask() const { return m_selected; }
    // Shows the whole batch, and keeps showing all of it as it grows, until zoomed or panned.
    void fit();

    // Where things are, in the viewport's coordinates; for the view's own use and for tests.
    qint64 timeAt(double x) const;
    double xOf(qint64 us) const;
    int laneAt(int y) const; // -1: none
    int laneTop(int lane) const;
    const TaskSpan *taskAt(const QPoint &viewportPosition) const;
    // How many bars (merged where they share pixels) the last frame painted.
    int paintedBars() const { return m_paintedBars; }
    // How many tasks the last frame looked at: about the lanes' width in pixels at most.
    int visitedTasks() const { return m_visitedTasks; }

    static QColor colourOf(TaskSpan::Phase phase);
    static QColor colourOf(TaskState endState);

Q_SIGNALS:
    void taskActivated(loopscope::TaskId task);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    const TimelineModel::Batch *shown() const { return m_model.batch(m_batch); }
    // The span fit() shows: the batch's first start to its end, or to now while it runs.
    std::pair<qint64, qint64> extent() const;
    void followIfFitting();
    void updateScrollRange();
    void paintAxis(QPainter &painter, qint64 originUs);
    void paintLane(QPainter &painter, const TimelineModel::Lane &lane, int top, qint64 nowUs);
    QString toolTipOf(const TaskSpan &task) const;

    const TimelineModel &m_model;
    BatchId m_batch = 0;
    TaskId m_selected = 0;
    qint64 m_fromUs = 0;
    double m_usPerPixel = 1000;
    bool m_following = true;
    QPoint m_pressedAt;
    QPoint m_lastDrag;
    bool m_dragged = false;
    QTimer m_live; // repaints while the batch runs: the present moves
    int m_paintedBars = 0;
    int m_visitedTasks = 0;
};

} // namespace loopscope
