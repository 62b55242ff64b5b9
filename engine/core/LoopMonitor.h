#pragma once

#include "LagWindow.h"
#include "LoopReport.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <atomic>

class QEvent;

namespace loopscope {

// Watches the event loop of the thread it lives on, as asyncio's debug mode does: how late a
// periodic timer fires (the loop's lag), reported every second over the last ten; and every
// callback that holds the loop longer than a threshold, named and reported as it ends.
//
// Callbacks are timed one event delivery at a time, by deliver(), which the application's
// notify() calls (MonitoredApplication); without it only the lag is measured. A delivery that
// runs a nested event loop (a modal dialog) is not one callback: the events of the nested loop
// are timed instead. What a slow callback was is the innermost Activity open during it, if
// any, else the receiving object's class and name and the kind of event.
class LoopMonitor : public QObject {
    Q_OBJECT
public:
    static constexpr int TickMs = 50;
    static constexpr int ReportEveryTicks = 20;
    static constexpr qint64 WindowMs = 10'000;
    static constexpr int DefaultThresholdMs = 100;

    // Watches the loop of the thread this object lives on from start() on; a monitor made for
    // another thread is moved there first. loop names it in reports: "worker loop".
    explicit LoopMonitor(const QString &loop, QObject *parent = nullptr);
    ~LoopMonitor() override;

    QString loop() const { return m_loop; }
    // Called on the monitored thread. Callbacks are timed for the first monitor of a thread.
    void start();
    // From any thread.
    void setThreshold(int ms) { m_thresholdMs.store(ms, std::memory_order_relaxed); }
    int threshold() const { return m_thresholdMs.load(std::memory_order_relaxed); }

    // Times one event delivery on the thread it is made on, from its construction to its end,
    // when a monitor watches that thread and no timed delivery is already running there.
    class DeliveryTiming {
    public:
        DeliveryTiming(const QObject *receiver, const QEvent *event);
        ~DeliveryTiming();
        DeliveryTiming(const DeliveryTiming &) = delete;
        DeliveryTiming &operator=(const DeliveryTiming &) = delete;

        // What the delivery is known by: its longest Activity, and whether it ran a nested loop.
        struct Named {
            const char *what = nullptr;
            quint64 task = 0;
            qint64 ns = 0;
        };

    private:
        LoopMonitor *m_monitor = nullptr; // null: not timed
        const char *m_className = nullptr;
        QString m_objectName;
        int m_eventType = 0;
        qint64 m_startNs = 0;
        Named m_named;
        bool m_waited = false; // a nested loop waited for events inside this delivery
        DeliveryTiming *m_outer = nullptr;
        friend class LoopMonitor;
    };

    // Names the work done while it is open, for a callback that turns out slow: code that
    // may hold a loop (a database write, a coroutine resumed for a task) opens one around work
    // that does not await. what must outlive it (a string literal). A delivery is named by the
    // longest Activity it held, when that took at least half of it.
    class Activity {
    public:
        explicit Activity(const char *what, quint64 task = 0);
        ~Activity();
        Activity(const Activity &) = delete;
        Activity &operator=(const Activity &) = delete;

    private:
        const char *m_what;
        quint64 m_task;
        DeliveryTiming *m_delivery; // the timed delivery it is open in; null: none
        qint64 m_startNs = 0;
    };

Q_SIGNALS:
    void reported(const loopscope::LoopReport &report);
    void slowCallback(const loopscope::SlowCallback &callback);

private:
    void tick();
    void noteSlow(const DeliveryTiming &delivery, qint64 ns);

    QString m_loop;
    std::atomic<int> m_thresholdMs{DefaultThresholdMs};
    QTimer m_tick;
    QElapsedTimer m_armed; // since the tick timer was last started
    int m_ticks = 0;
    int m_slowCount = 0;
    LagWindow m_lags{WindowMs};
    bool m_started = false;
};

} // namespace loopscope
