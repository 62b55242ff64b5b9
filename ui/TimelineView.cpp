#include "TimelineView.h"

#include "EngineClock.h"
#include "Format.h"
#include "TaskState.h"

#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <ranges>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
constexpr int LiveRepaintMs = 100;
constexpr int StateStripHeight = 3;
constexpr double MinUsPerPixel = 1;      // at most a pixel per microsecond
constexpr double MaxUsPerPixel = 36e8;   // an hour per pixel
constexpr int MinTickSpacing = 90;       // pixels between labelled ticks, at least

// "250 ms", "1.5 s", "2 min": the label of a tick at us from the batch's start.
QString tickLabel(qint64 us, qint64 stepUs)
{
    if (stepUs < 1000)
        return TimelineView::tr("%1 ms").arg(QLocale().toString(double(us) / 1000, 'f', 2));
    if (stepUs < 100'000)
        return TimelineView::tr("%1 ms").arg(QLocale().toString(double(us) / 1000, 'f', 0));
    if (stepUs < 60'000'000 || us < 60'000'000)
        return TimelineView::tr("%1 s").arg(QLocale().toString(double(us) / 1e6, 'f', stepUs < 1'000'000 ? 1 : 0));
    return TimelineView::tr("%1 min").arg(QLocale().toString(double(us) / 6e7, 'f', 1));
}

QString ms(double value)
{
    return TimelineView::tr("%1 ms").arg(QLocale().toString(value, 'f', value < 10 ? 2 : 0));
}
} // namespace

TimelineView::TimelineView(const TimelineModel &model, QWidget *parent)
    : QAbstractScrollArea(parent)
    , m_model(model)
{
    setAccessibleName(tr("Timeline"));
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    viewport()->setMouseTracking(true);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    connect(&model, &TimelineModel::changed, this, [this](BatchId batch) {
        if (batch != m_batch)
            return;
        updateScrollRange();
        followIfFitting();
        viewport()->update();
    });
    connect(verticalScrollBar(), &QScrollBar::valueChanged, viewport(), qOverload<>(&QWidget::update));
    m_live.setInterval(LiveRepaintMs);
    connect(&m_live, &QTimer::timeout, this, [this] {
        const TimelineModel::Batch *batch = shown();
        if (!batch || batch->over()) {
            m_live.stop();
            return;
        }
        followIfFitting();
        viewport()->update();
    });
}

QColor TimelineView::colourOf(TaskSpan::Phase phase)
{
    switch (phase) {
    case TaskSpan::Phase::Attempt:
        return QColor(0x9d, 0xbb, 0xe0);
    case TaskSpan::Phase::Dns:
        return QColor(0x8e, 0x6b, 0xbf);
    case TaskSpan::Phase::Connect:
        return QColor(0xe0, 0x8a, 0x2c);
    case TaskSpan::Phase::Tls:
        return QColor(0xc9, 0xa2, 0x27);
    case TaskSpan::Phase::FirstByte:
        return QColor(0x7f, 0xc4, 0xd9);
    case TaskSpan::Phase::Transfer:
        return QColor(0x2e, 0x6f, 0xb5);
    case TaskSpan::Phase::Backoff:
        return QColor(0xc8, 0xc8, 0xc8);
    }
    return Qt::gray;
}

QColor TimelineView::colourOf(TaskState endState)
{
    switch (endState) {
    case TaskState::Succeeded:
        return QColor(0x3c, 0x9a, 0x4a);
    case TaskState::Failed:
        return QColor(0xc8, 0x3a, 0x32);
    case TaskState::Cancelled:
        return QColor(0x80, 0x80, 0x80);
    case TaskState::Running:
        return QColor(0x5b, 0x9b, 0xd5);
    case TaskState::Queued:
        break;
    }
    return Qt::lightGray;
}

void TimelineView::setBatch(BatchId batch)
{
    if (batch == m_batch)
        return;
    m_batch = batch;
    verticalScrollBar()->setValue(0);
    updateScrollRange();
    fit();
}

void TimelineView::setSelectedTask(TaskId task)
{
    if (task == m_selected)
        return;
    m_selected = task;
    BatchId batch = 0;
    int lane = -1;
    if (const TaskSpan *span = m_model.find(task, &batch, &lane); span && batch == m_batch) {
        // Bring it into view, keeping the zoom.
        if (span->endUs() < m_fromUs || span->startUs() > timeAt(viewport()->width())) {
            m_following = false;
            m_fromUs = span->startUs() - qint64((viewport()->width() - GutterWidth) / 2 * m_usPerPixel);
        }
        const int top = laneTop(lane) + verticalScrollBar()->value();
        if (top < verticalScrollBar()->value() || top > verticalScrollBar()->value() + viewport()->height() - AxisHeight - LaneHeight)
            verticalScrollBar()->setValue(top - AxisHeight);
    }
    viewport()->update();
}

std::pair<qint64, qint64> TimelineView::extent() const
{
    const TimelineModel::Batch *batch = shown();
    if (!batch || batch->record.firstStartedAt < 0)
        return {0, 1'000'000};
    const qint64 start = batch->record.firstStartedAt * 1000;
    qint64 end = batch->over() ? batch->record.lastFinishedAt * 1000 : EngineClock::now() * 1000;
    for (const TimelineModel::Lane &lane : batch->lanes)
        if (!lane.tasks.empty())
            end = std::max(end, lane.tasks.back().endUs());
    return {start, std::max(end, start + 1000)};
}

void TimelineView::fit()
{
    m_following = true;
    followIfFitting();
    const TimelineModel::Batch *batch = shown();
    if (batch && !batch->over())
        m_live.start();
    viewport()->update();
}

void TimelineView::followIfFitting()
{
    if (!m_following)
        return;
    const auto [start, end] = extent();
    const double width = std::max(50, viewport()->width() - GutterWidth - 10);
    m_usPerPixel = std::clamp(double(end - start) / width, MinUsPerPixel, MaxUsPerPixel);
    m_fromUs = start;
}

void TimelineView::updateScrollRange()
{
    const TimelineModel::Batch *batch = shown();
    const int lanes = batch ? int(batch->lanes.size()) : 0;
    const int content = lanes * (LaneHeight + LaneGap) + LaneGap;
    const int visible = viewport()->height() - AxisHeight;
    verticalScrollBar()->setRange(0, std::max(0, content - visible));
    verticalScrollBar()->setPageStep(std::max(1, visible));
    verticalScrollBar()->setSingleStep(LaneHeight + LaneGap);
}

void TimelineView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollRange();
    followIfFitting();
}

qint64 TimelineView::timeAt(double x) const
{
    return m_fromUs + qint64(std::llround((x - GutterWidth) * m_usPerPixel));
}

double TimelineView::xOf(qint64 us) const
{
    return GutterWidth + double(us - m_fromUs) / m_usPerPixel;
}

int TimelineView::laneTop(int lane) const
{
    return AxisHeight + LaneGap + lane * (LaneHeight + LaneGap) - verticalScrollBar()->value();
}

int TimelineView::laneAt(int y) const
{
    const TimelineModel::Batch *batch = shown();
    if (!batch || y < AxisHeight)
        return -1;
    const int offset = y - AxisHeight - LaneGap + verticalScrollBar()->value();
    const int lane = offset / (LaneHeight + LaneGap);
    if (offset < 0 || lane >= int(batch->lanes.size()) || offset % (LaneHeight + LaneGap) >= LaneHeight)
        return -1;
    return lane;
}

const TaskSpan *TimelineView::taskAt(const QPoint &position) const
{
    const int lane = laneAt(position.y());
    if (lane < 0 || position.x() < GutterWidth)
        return nullptr;
    const TimelineModel::Lane &found = shown()->lanes[size_t(lane)];
    // A bar narrower than a pixel is hit within the pixel it is painted in.
    const qint64 at = timeAt(position.x());
    if (const TaskSpan *exact = found.taskAt(at))
        return exact;
    const size_t index = found.firstEndingFrom(timeAt(position.x() - 1));
    if (index < found.tasks.size() && found.tasks[index].startUs() <= timeAt(position.x() + 1))
        return &found.tasks[index];
    return nullptr;
}

void TimelineView::paintAxis(QPainter &painter, qint64 originUs)
{
    const QPalette &colours = palette();
    painter.fillRect(0, 0, viewport()->width(), AxisHeight, colours.window());
    painter.setPen(colours.mid().color());
    painter.drawLine(0, AxisHeight - 1, viewport()->width(), AxisHeight - 1);
    // Ticks 1, 2 or 5 times a power of ten apart, at least MinTickSpacing pixels.
    const double minimumStep = MinTickSpacing * m_usPerPixel;
    const double power = std::pow(10.0, std::floor(std::log10(std::max(minimumStep, 1.0))));
    qint64 step = qint64(power);
    for (const double factor : {1.0, 2.0, 5.0, 10.0})
        if (factor * power >= minimumStep) {
            step = std::max<qint64>(1, qint64(factor * power));
            break;
        }
    const qint64 viewEnd = timeAt(viewport()->width());
    qint64 tick = originUs + (m_fromUs - originUs) / step * step;
    if (tick < m_fromUs)
        tick += step;
    for (; tick <= viewEnd; tick += step) {
        const double x = xOf(tick);
        if (x < GutterWidth)
            continue;
        painter.setPen(colours.mid().color());
        painter.drawLine(QPointF(x, AxisHeight - 5), QPointF(x, viewport()->height()));
        painter.setPen(colours.text().color());
        painter.drawText(QRectF(x + 3, 0, MinTickSpacing, AxisHeight - 4), Qt::AlignLeft | Qt::AlignVCenter, tickLabel(tick - originUs, step));
    }
}

// The lane's bars from the first one that ends in view to the last that starts in it. Bars
// narrower than a few pixels are one colour, how they ended, and are merged where they meet.
// The selected task is outlined, and painted whole however narrow.
void TimelineView::paintLane(QPainter &painter, const TimelineModel::Lane &lane, int top, qint64 nowUs)
{
    const qint64 viewStart = timeAt(GutterWidth);
    const qint64 viewEnd = timeAt(viewport()->width());
    const int barHeight = LaneHeight - StateStripHeight;
    double mergedFrom = -1, mergedTo = -1;
    QColor mergedColour;
    const auto flush = [&] {
        if (mergedTo < 0)
            return;
        painter.fillRect(QRectF(mergedFrom, top, std::max(1.0, mergedTo - mergedFrom), LaneHeight), mergedColour);
        ++m_paintedBars;
        mergedTo = -1;
    };
    const auto paintBar = [&](const TaskSpan &task, double x1, double x2) {
        painter.fillRect(QRectF(x1, top, x2 - x1, barHeight), colourOf(TaskSpan::Phase::Attempt));
        for (const TaskSpan::Piece &piece : task.pieces()) {
            if (piece.phase == TaskSpan::Phase::Attempt)
                continue;
            const double p1 = std::max(x1, xOf(piece.startUs));
            const double p2 = std::min(x2, xOf(piece.endUs));
            if (p2 > p1)
                painter.fillRect(QRectF(p1, top, p2 - p1, barHeight), colourOf(piece.phase));
        }
        painter.fillRect(QRectF(x1, top + barHeight, x2 - x1, StateStripHeight), colourOf(task.state));
        // Where one task ends and the next begins, on a busy worker.
        painter.fillRect(QRectF(x1, top, 1, LaneHeight), palette().base());
        ++m_paintedBars;
        if (task.id == m_selected) {
            painter.setPen(QPen(palette().highlight().color(), 2));
            painter.drawRect(QRectF(x1, top, std::max(2.0, x2 - x1), LaneHeight).adjusted(-1, -1, 1, 1));
        }
    };
    // Paints the count tasks that indexOf(0..count-1) picks, in the order they ran. Of the tasks
    // narrower than a few pixels one is painted per pixel column, in how it ended, and merged
    // with its neighbours of that colour; the others in that column are skipped by a binary
    // search. A frame so costs the lane's width in pixels, not its tasks: 100,000 of them on
    // one worker paint as fast as a hundred. Only the narrow ones, when narrowOnly.
    const auto paintTasks = [&](size_t count, auto indexOf, bool narrowOnly) {
        // The first of them from index from on that ends at or after us.
        const auto firstEndingFrom = [&](qint64 us, size_t from) {
            const auto indexes = std::views::iota(from, count);
            const auto found = std::ranges::partition_point(indexes, [&](size_t i) { return lane.endsUs[indexOf(i)] < us; });
            return found == indexes.end() ? count : *found;
        };
        for (size_t i = firstEndingFrom(viewStart, 0); i < count;) {
            const TaskSpan &task = lane.tasks[indexOf(i)];
            ++m_visitedTasks;
            if (task.startUs() > viewEnd)
                break;
            const double x1 = std::max(double(GutterWidth), xOf(task.startUs()));
            const double x2 = std::min(double(viewport()->width()), xOf(lane.endsUs[indexOf(i)]));
            if (x2 - x1 >= 4) {
                flush();
                if (!narrowOnly)
                    paintBar(task, x1, x2);
                ++i;
                continue;
            }
            const QColor colour = colourOf(task.state);
            if (mergedTo >= 0 && x1 <= mergedTo + 1 && colour == mergedColour) {
                mergedTo = std::max(mergedTo, x2);
            } else {
                flush();
                mergedFrom = x1;
                mergedTo = x2;
                mergedColour = colour;
            }
            i = firstEndingFrom(timeAt(std::floor(x2) + 1), i + 1);
        }
        flush();
    };
    paintTasks(lane.tasks.size(), [](size_t i) { return i; }, false);
    // The narrow ones that did not succeed, again on top: sampled among successes, one could
    // go unseen.
    paintTasks(lane.unsucceeded.size(), [&lane](size_t i) { return lane.unsucceeded[i]; }, true);
    // A narrow selected task was perhaps skipped among its neighbours, or painted over.
    BatchId selectedBatch = 0;
    int selectedLane = -1;
    if (const TaskSpan *selected = m_model.find(m_selected, &selectedBatch, &selectedLane);
        selected && selectedBatch == m_batch && &shown()->lanes[size_t(selectedLane)] == &lane) {
        const double x1 = std::max(double(GutterWidth), xOf(selected->startUs()));
        const double x2 = std::min(double(viewport()->width()), xOf(selected->endUs()));
        if (x2 - x1 < 4 && selected->endUs() >= viewStart && selected->startUs() <= viewEnd)
            paintBar(*selected, x1, x2);
    }
    if (lane.running.id != 0) {
        const double x1 = std::max(double(GutterWidth), xOf(lane.running.startedAt * 1000));
        const double x2 = std::min(double(viewport()->width()), xOf(nowUs));
        if (x2 > x1) {
            // Hatched: not ended, so its phases are not known yet.
            const QRectF bar(x1, top, std::max(1.0, x2 - x1), LaneHeight);
            painter.fillRect(bar, colourOf(TaskState::Running).lighter(150));
            painter.fillRect(bar, QBrush(colourOf(TaskState::Running), Qt::BDiagPattern));
            ++m_paintedBars;
        }
    }
}

void TimelineView::paintEvent(QPaintEvent *)
{
    QPainter painter(viewport());
    const QPalette &colours = palette();
    painter.fillRect(viewport()->rect(), colours.base());
    m_paintedBars = 0;
    m_visitedTasks = 0;
    const TimelineModel::Batch *batch = shown();
    if (!batch || batch->record.firstStartedAt < 0) {
        painter.setPen(colours.placeholderText().color());
        painter.drawText(viewport()->rect(), Qt::AlignCenter, batch ? tr("Waiting for the batch to start") : tr("No batch selected"));
        return;
    }
    const qint64 originUs = batch->record.firstStartedAt * 1000;
    const qint64 nowUs = EngineClock::now() * 1000;
    paintAxis(painter, originUs);
    painter.setClipRect(QRect(0, AxisHeight, viewport()->width(), viewport()->height() - AxisHeight));
    for (int i = 0; i < int(batch->lanes.size()); ++i) {
        const int top = laneTop(i);
        if (top + LaneHeight < AxisHeight)
            continue;
        if (top > viewport()->height())
            break;
        const TimelineModel::Lane &lane = batch->lanes[size_t(i)];
        painter.setClipRect(QRect(GutterWidth, AxisHeight, viewport()->width() - GutterWidth, viewport()->height() - AxisHeight));
        paintLane(painter, lane, top, nowUs);
        painter.setClipRect(QRect(0, AxisHeight, GutterWidth, viewport()->height() - AxisHeight));
        painter.fillRect(QRect(0, top - LaneGap, GutterWidth, LaneHeight + LaneGap), colours.window());
        painter.setPen(colours.text().color());
        const QString name = lane.notifications ? tr("Notify · %1").arg(lane.worker) : lane.worker;
        painter.drawText(QRect(6, top, GutterWidth - 10, LaneHeight), Qt::AlignLeft | Qt::AlignVCenter, name);
    }
    painter.setClipRect(QRect(GutterWidth, 0, viewport()->width() - GutterWidth, viewport()->height()));
    // The batch's start and end, and the present while it runs.
    const auto mark = [&](qint64 us, const QColor &colour, Qt::PenStyle style) {
        painter.setPen(QPen(colour, 1.5, style));
        painter.drawLine(QPointF(xOf(us), 0), QPointF(xOf(us), viewport()->height()));
    };
    mark(originUs, colours.text().color(), Qt::SolidLine);
    if (batch->over())
        mark(batch->record.lastFinishedAt * 1000, colours.text().color(), Qt::SolidLine);
    else
        mark(nowUs, QColor(0xd0, 0x30, 0x30), Qt::DashLine);
}

bool TimelineView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        if (const TaskSpan *task = taskAt(help->pos()))
            QToolTip::showText(help->globalPos(), toolTipOf(*task), viewport());
        else
            QToolTip::hideText();
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

QString TimelineView::toolTipOf(const TaskSpan &task) const
{
    QString text = u"<b>%1</b><br>"_s.arg(task.url.toHtmlEscaped());
    text += tr("Task %1 on %2: %3").arg(task.id).arg(task.worker.toHtmlEscaped(), stateName(task.state));
    if (task.httpStatus > 0)
        text += u" (%1)"_s.arg(task.httpStatus);
    if (!task.error.isEmpty())
        text += u"<br>"_s + task.error.toHtmlEscaped();
    text += u"<br>"_s + tr("%1 in all").arg(ms(double(task.endUs() - task.startUs()) / 1000));
    for (const TaskSpan::Piece &piece : task.pieces()) {
        const double took = double(piece.endUs - piece.startUs) / 1000;
        if (piece.phase == TaskSpan::Phase::Attempt)
            text += u"<br><i>"_s + tr("attempt %1: %2").arg(piece.attempt).arg(ms(took)) + u"</i>"_s;
        else
            text += u"<br>&nbsp;&nbsp;"_s + TaskSpan::phaseName(piece.phase) + u": "_s + ms(took);
    }
    return text;
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0)
        return;
    const double x = std::max<double>(GutterWidth, event->position().x());
    const qint64 anchor = timeAt(x); // stays under the pointer
    m_usPerPixel = std::clamp(m_usPerPixel * std::pow(0.8, steps), MinUsPerPixel, MaxUsPerPixel);
    m_fromUs = anchor - qint64(std::llround((x - GutterWidth) * m_usPerPixel));
    m_following = false;
    viewport()->update();
    event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return QAbstractScrollArea::mousePressEvent(event);
    m_pressedAt = m_lastDrag = event->position().toPoint();
    m_dragged = false;
}

void TimelineView::mouseMoveEvent(QMouseEvent *event)
{
    if (!(event->buttons() & Qt::LeftButton))
        return QAbstractScrollArea::mouseMoveEvent(event);
    const QPoint position = event->position().toPoint();
    if (!m_dragged && (position - m_pressedAt).manhattanLength() < 4)
        return;
    m_dragged = true;
    const QPoint delta = position - m_lastDrag;
    m_lastDrag = position;
    m_fromUs -= qint64(std::llround(delta.x() * m_usPerPixel));
    verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
    m_following = false;
    viewport()->setCursor(Qt::ClosedHandCursor);
    viewport()->update();
}

void TimelineView::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return QAbstractScrollArea::mouseReleaseEvent(event);
    viewport()->unsetCursor();
    if (m_dragged)
        return;
    if (const TaskSpan *task = taskAt(event->position().toPoint())) {
        setSelectedTask(task->id);
        Q_EMIT taskActivated(task->id);
    }
}

} // namespace loopscope
