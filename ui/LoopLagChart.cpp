#include "LoopLagChart.h"

#include "Format.h"
#include "LoopHistory.h"
#include "LoopMonitor.h"

#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace loopscope {

namespace {
constexpr qsizetype SparklineSeconds = 60;

// The top of a scale that shows value: 1, 2 or 5 times a power of ten, 10 ms at least.
double niceCeiling(double value)
{
    value = std::max(value, 10.0);
    const double power = std::pow(10.0, std::floor(std::log10(value)));
    for (const double step : {1.0, 2.0, 5.0, 10.0})
        if (value <= step * power)
            return step * power;
    return 10 * power;
}

// Green while smooth, amber while noticeable, red from the slow-callback threshold on.
QColor colourOf(double lagMs)
{
    if (lagMs < LoopLagChart::SmoothMs)
        return QColor(0x3c, 0x9a, 0x4a);
    if (lagMs < LoopMonitor::DefaultThresholdMs)
        return QColor(0xd8, 0x9b, 0x1c);
    return QColor(0xc8, 0x3a, 0x32);
}

QString milliseconds(double ms)
{
    return LoopLagChart::tr("%1 ms").arg(QLocale().toString(ms, 'f', ms > 0 && ms < 10 ? 1 : 0));
}
} // namespace

LoopLagChart::LoopLagChart(const LoopHistory &history, const QString &loop, Style style, QWidget *parent)
    : QWidget(parent)
    , m_history(history)
    , m_loop(loop)
    , m_style(style)
{
    setAccessibleName(tr("Lag of the %1").arg(loop));
    if (style == Style::Sparkline)
        setCursor(Qt::PointingHandCursor);
    connect(&history, &LoopHistory::reported, this, [this](const QString &reported) {
        if (reported != m_loop)
            return;
        updateToolTip();
        update();
    });
    updateToolTip();
}

QSize LoopLagChart::sizeHint() const
{
    return m_style == Style::Sparkline ? QSize(int(SparklineSeconds) + 2, fontMetrics().height()) : QSize(480, 90);
}

QSize LoopLagChart::minimumSizeHint() const
{
    return m_style == Style::Sparkline ? sizeHint() : QSize(200, 80);
}

void LoopLagChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    if (m_style == Style::Sparkline)
        paintSparkline(painter);
    else
        paintFull(painter);
}

void LoopLagChart::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && rect().contains(event->position().toPoint()))
        Q_EMIT clicked();
}

// One bar per second, the p99 of the ten seconds before it, right-aligned: the newest at the right.
void LoopLagChart::paintSparkline(QPainter &painter)
{
    const std::deque<LoopReport> &reports = m_history.reports(m_loop);
    painter.fillRect(rect(), palette().base());
    const qsizetype shown = std::min<qsizetype>(qsizetype(reports.size()), SparklineSeconds);
    double top = 0;
    for (qsizetype i = qsizetype(reports.size()) - shown; i < qsizetype(reports.size()); ++i)
        top = std::max(top, reports[size_t(i)].lagP99Ms);
    top = niceCeiling(top);
    const int height = this->height() - 2;
    for (qsizetype i = 0; i < shown; ++i) {
        const LoopReport &report = reports[reports.size() - size_t(shown) + size_t(i)];
        const int bar = std::max(1, int(std::lround(report.lagP99Ms / top * height)));
        const int x = width() - 1 - int(shown) + int(i);
        painter.fillRect(x, 1 + height - bar, 1, bar, colourOf(report.lagP99Ms));
    }
    painter.setPen(palette().mid().color());
    painter.drawRect(rect().adjusted(0, 0, -1, -1));
}

// The whole run: the worst lag of each second as a light area, the p99 over the ten seconds
// before it as a line, and the slow-callback threshold when the scale reaches it.
void LoopLagChart::paintFull(QPainter &painter)
{
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().base());
    const std::deque<LoopReport> &reports = m_history.reports(m_loop);
    const QFontMetrics metrics = fontMetrics();
    const QRectF plot = QRectF(rect()).adjusted(metrics.horizontalAdvance(QStringLiteral("0000 ms")) + 6, metrics.height() / 2.0,
                                                -6, -metrics.height() - 4);
    double top = 0;
    for (const LoopReport &report : reports)
        top = std::max(top, report.lagMaxMs);
    top = niceCeiling(top);
    const auto yOf = [&](double ms) { return plot.bottom() - std::min(ms, top) / top * plot.height(); };
    const qsizetype count = qsizetype(reports.size());

    painter.setPen(palette().mid().color());
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.drawLine(plot.bottomLeft(), plot.topLeft());
    painter.setPen(palette().text().color());
    painter.drawText(QRectF(0, plot.top() - metrics.height() / 2.0, plot.left() - 4, metrics.height()), Qt::AlignRight | Qt::AlignVCenter,
                     milliseconds(top));
    painter.drawText(QRectF(0, plot.bottom() - metrics.height() / 2.0, plot.left() - 4, metrics.height()), Qt::AlignRight | Qt::AlignVCenter,
                     milliseconds(0));
    if (count > 0) {
        const qint64 spanS = (reports.back().at - reports.front().at) / 1000;
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()), Qt::AlignLeft,
                         spanS >= 60 ? tr("%1 min ago").arg(spanS / 60) : tr("%1 s ago").arg(spanS));
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()), Qt::AlignRight, tr("now"));
    }
    const double threshold = LoopMonitor::DefaultThresholdMs;
    if (threshold <= top) {
        painter.setPen(QPen(colourOf(threshold), 1, Qt::DashLine));
        painter.drawLine(QPointF(plot.left(), yOf(threshold)), QPointF(plot.right(), yOf(threshold)));
    }
    if (count == 0)
        return;
    // The plot has at most one point per pixel: a second's worst lag is the worst of the seconds it stands for.
    const qsizetype columns = std::max<qsizetype>(1, std::min<qsizetype>(count, qsizetype(plot.width())));
    QPainterPath worst(QPointF(plot.left(), plot.bottom()));
    QPainterPath p99;
    for (qsizetype column = 0; column < columns; ++column) {
        const qsizetype first = column * count / columns;
        const qsizetype last = std::max(first, (column + 1) * count / columns - 1);
        double maxMs = 0, p99Ms = 0;
        for (qsizetype i = first; i <= last; ++i) {
            maxMs = std::max(maxMs, reports[size_t(i)].lagMaxMs);
            p99Ms = std::max(p99Ms, reports[size_t(i)].lagP99Ms);
        }
        const double x = columns == 1 ? plot.right() : plot.left() + double(column) / double(columns - 1) * plot.width();
        worst.lineTo(x, yOf(maxMs));
        if (column == 0)
            p99.moveTo(x, yOf(p99Ms));
        else
            p99.lineTo(x, yOf(p99Ms));
    }
    worst.lineTo(plot.right(), plot.bottom());
    worst.closeSubpath();
    QColor area = palette().highlight().color();
    area.setAlpha(60);
    painter.fillPath(worst, area);
    painter.setPen(QPen(palette().highlight().color(), 1.5));
    painter.drawPath(p99);
}

void LoopLagChart::updateToolTip()
{
    const std::deque<LoopReport> &reports = m_history.reports(m_loop);
    if (reports.empty()) {
        setToolTip(tr("%1: no report yet").arg(m_loop));
        return;
    }
    const LoopReport &last = reports.back();
    setToolTip(tr("%1, lag over the last 10 s: p50 %2, p99 %3, worst %4; %5 so far")
                   .arg(m_loop, milliseconds(last.lagP50Ms), milliseconds(last.lagP99Ms), milliseconds(last.lagMaxMs),
                        countOf(last.slowCallbacks, tr("slow callback"), tr("slow callbacks"))));
}

} // namespace loopscope
