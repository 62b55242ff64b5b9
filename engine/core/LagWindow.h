#pragma once

#include <QtGlobal>

#include <deque>

namespace loopscope {

// How late a loop ran its timer over the last few seconds: p50, p99 and the worst, by nearest
// rank over the samples the window still holds.
class LagWindow {
public:
    explicit LagWindow(qint64 spanMs)
        : m_spanMs(spanMs)
    {
    }

    struct Stats {
        double p50Ms = 0;
        double p99Ms = 0;
        double maxMs = 0;
        int samples = 0;
    };

    // A lag measured at a time (milliseconds on any clock that only grows); samples older than
    // the span before it leave the window.
    void add(qint64 atMs, double lagMs);
    Stats stats() const;

private:
    struct Sample {
        qint64 atMs;
        double lagMs;
    };
    qint64 m_spanMs;
    std::deque<Sample> m_samples;
};

} // namespace loopscope
