#pragma once

#include "PhaseStats.h"

#include <QWidget>

namespace loopscope {

// One phase's distribution over a batch's attempts: how many took how long, on a logarithmic
// scale of time (from 10 µs to 100 s, four bars a decade), with p50 and p99 marked.
class PhaseHistogram : public QWidget {
    Q_OBJECT
public:
    static constexpr double FirstBucketMs = 0.01;
    static constexpr int BucketsPerDecade = 4;
    static constexpr int BucketCount = 7 * BucketsPerDecade; // up to 100 s

    explicit PhaseHistogram(QWidget *parent = nullptr);

    void show(const PhaseStats &stats, PhaseStats::Phase phase);
    // The count in each bucket; the last holds everything longer.
    const std::array<int, BucketCount> &buckets() const { return m_buckets; }
    static int bucketOf(double ms);

    QSize sizeHint() const override { return {300, 170}; }
    QSize minimumSizeHint() const override { return {200, 130}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_title;
    PhaseStats::Summary m_summary;
    std::array<int, BucketCount> m_buckets{};
};

} // namespace loopscope
