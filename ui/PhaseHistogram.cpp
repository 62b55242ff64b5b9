#include "PhaseHistogram.h"

#include <QLocale>
#include <QPainter>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
QString ms(double value)
{
    if (value >= 1000)
        return PhaseHistogram::tr("%1 s").arg(QLocale().toString(value / 1000, 'f', value < 10'000 ? 2 : 1));
    return PhaseHistogram::tr("%1 ms").arg(QLocale().toString(value, 'f', value < 1 ? 3 : value < 10 ? 2 : 1));
}

// Where on the scale a time lies, from 0 (FirstBucketMs) to 1 (the end of the last bucket).
double scaleOf(double ms)
{
    const double decades = double(PhaseHistogram::BucketCount) / PhaseHistogram::BucketsPerDecade;
    return std::clamp(std::log10(std::max(ms, PhaseHistogram::FirstBucketMs) / PhaseHistogram::FirstBucketMs) / decades, 0.0, 1.0);
}
} // namespace

PhaseHistogram::PhaseHistogram(QWidget *parent)
    : QWidget(parent)
{
}

int PhaseHistogram::bucketOf(double ms)
{
    if (ms <= FirstBucketMs)
        return 0;
    const int bucket = int(std::floor(std::log10(ms / FirstBucketMs) * BucketsPerDecade));
    return std::clamp(bucket, 0, BucketCount - 1);
}

void PhaseHistogram::show(const PhaseStats &stats, PhaseStats::Phase phase)
{
    m_buckets.fill(0);
    for (const float duration : stats.durations(phase))
        ++m_buckets[size_t(bucketOf(duration))];
    m_summary = stats.summary(phase);
    m_title = PhaseStats::phaseName(phase);
    setAccessibleName(tr("Histogram of %1 times").arg(m_title));
    setToolTip(m_summary.count == 0 ? tr("%1: no attempt had this phase").arg(m_title)
                                    : tr("%1 over %2 attempts: p50 %3, p90 %4, p99 %5, max %6")
                                          .arg(m_title, QLocale().toString(m_summary.count), ms(m_summary.p50), ms(m_summary.p90),
                                               ms(m_summary.p99), ms(m_summary.max)));
    update();
}

void PhaseHistogram::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    const QFontMetrics metrics = fontMetrics();
    const int line = metrics.height();
    painter.setPen(palette().text().color());
    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.drawText(QRect(6, 2, width() - 12, line), Qt::AlignLeft, m_title);
    painter.setFont(font());
    const QString figures = m_summary.count == 0
        ? tr("none")
        : tr("p50 %1 · p90 %2 · p99 %3 · max %4").arg(ms(m_summary.p50), ms(m_summary.p90), ms(m_summary.p99), ms(m_summary.max));
    painter.drawText(QRect(6, 2 + line, width() - 12, line), Qt::AlignLeft, figures);

    const QRectF plot(6, 6 + 2 * line, width() - 12, height() - 10 - 3 * line);
    painter.setPen(palette().mid().color());
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    const int tallest = *std::max_element(m_buckets.begin(), m_buckets.end());
    const double barWidth = plot.width() / BucketCount;
    for (int i = 0; i < BucketCount && tallest > 0; ++i) {
        if (m_buckets[size_t(i)] == 0)
            continue;
        const double height = std::max(1.0, plot.height() * m_buckets[size_t(i)] / tallest);
        painter.fillRect(QRectF(plot.left() + i * barWidth + 1, plot.bottom() - height, barWidth - 2, height), palette().highlight());
    }
    // A label under every other decade, the first at the left edge.
    painter.setPen(palette().text().color());
    const QStringList labels{tr("10 µs"), tr("1 ms"), tr("100 ms"), tr("10 s")};
    for (int i = 0; i < labels.size(); ++i) {
        const double x = plot.left() + i * 2 * BucketsPerDecade * barWidth;
        const QRectF box = i == 0 ? QRectF(x, plot.bottom() + 2, 80, line) : QRectF(x - 40, plot.bottom() + 2, 80, line);
        painter.drawText(box, i == 0 ? Qt::AlignLeft : Qt::AlignHCenter, labels[i]);
    }
    if (m_summary.count == 0)
        return;
    const auto mark = [&](double value, const QColor &colour) {
        const double x = plot.left() + scaleOf(value) * plot.width();
        painter.setPen(QPen(colour, 1.5, Qt::DashLine));
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    };
    mark(m_summary.p50, QColor(0x3c, 0x9a, 0x4a));
    mark(m_summary.p99, QColor(0xc8, 0x3a, 0x32));
}

} // namespace loopscope
