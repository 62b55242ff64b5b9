#pragma once

#include <QWidget>

namespace loopscope {

class LoopHistory;

// One loop's lag, second by second, painted from its reports: as a sparkline of the last
// minute for the status bar, or as a chart of the whole run (p99 and worst of each second,
// with the slow-callback threshold) for the Loops panel.
class LoopLagChart : public QWidget {
    Q_OBJECT
public:
    enum class Style { Sparkline, Full };

    LoopLagChart(const LoopHistory &history, const QString &loop, Style style, QWidget *parent = nullptr);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    // The lag a frame of a smooth window may take: below it, the bars are green.
    static constexpr double SmoothMs = 16;

Q_SIGNALS:
    void clicked();

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    void paintSparkline(QPainter &painter);
    void paintFull(QPainter &painter);
    void updateToolTip();

    const LoopHistory &m_history;
    QString m_loop;
    Style m_style;
};

} // namespace loopscope
