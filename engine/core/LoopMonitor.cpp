#include "LoopMonitor.h"

#include "EngineClock.h"

#include <QAbstractEventDispatcher>
#include <QEvent>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QThread>

#include <chrono>

using namespace Qt::StringLiterals;

namespace loopscope {

// Slow callbacks, at info level: shown with QT_LOGGING_RULES="loopscope.loop.info=true".
Q_LOGGING_CATEGORY(lcLoop, "loopscope.loop", QtWarningMsg)

namespace {
// The monitor of this thread's loop, and the timed delivery running on it now.
thread_local LoopMonitor *t_monitor = nullptr;
thread_local LoopMonitor::DeliveryTiming *t_delivery = nullptr;

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

QString eventKind(int type)
{
    switch (type) {
    case QEvent::MetaCall:
        return u"posted call"_s;
    case QEvent::Timer:
        return u"timer"_s;
    case QEvent::SockAct:
        return u"socket ready"_s;
    case QEvent::DeferredDelete:
        return u"deferred delete"_s;
    default:
        break;
    }
    if (const char *key = QMetaEnum::fromType<QEvent::Type>().valueToKey(type))
        return QString::fromLatin1(key) + u" event"_s;
    return u"event %1"_s.arg(type);
}
} // namespace

LoopMonitor::LoopMonitor(const QString &loop, QObject *parent)
    : QObject(parent)
    , m_loop(loop)
    , m_tick(this)
{
    m_tick.setSingleShot(true);
    m_tick.setTimerType(Qt::PreciseTimer);
    connect(&m_tick, &QTimer::timeout, this, &LoopMonitor::tick);
}

LoopMonitor::~LoopMonitor()
{
    if (t_monitor == this)
        t_monitor = nullptr;
}

void LoopMonitor::start()
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_started)
        return;
    m_started = true;
    // A second monitor of the same loop (a second window) measures its lag only.
    if (!t_monitor)
        t_monitor = this;
    // A loop about to wait inside a delivery is a nested loop: that delivery is not one callback.
    if (QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance()) {
        connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, this, [] {
            if (t_delivery)
                t_delivery->m_waited = true;
        });
    }
    m_armed.start();
    m_tick.start(TickMs);
}

void LoopMonitor::tick()
{
    const double lateMs = double(m_armed.nsecsElapsed() - qint64(TickMs) * 1'000'000) / 1e6;
    m_tick.start(TickMs);
    m_armed.start();
    const qint64 now = EngineClock::now();
    m_lags.add(now, lateMs > 0 ? lateMs : 0);
    if (++m_ticks % ReportEveryTicks != 0)
        return;
    const LagWindow::Stats stats = m_lags.stats();
    Q_EMIT reported(LoopReport{m_loop, now, stats.p50Ms, stats.p99Ms, stats.maxMs, m_slowCount});
}

void LoopMonitor::noteSlow(const DeliveryTiming &delivery, qint64 ns)
{
    QString what;
    const DeliveryTiming::Named &named = delivery.m_named;
    if (named.what && named.ns * 2 >= ns) {
        what = QString::fromLatin1(named.what);
        if (named.task)
            what = u"task %1: %2"_s.arg(named.task).arg(what);
    } else {
        what = QString::fromLatin1(delivery.m_className);
        if (!delivery.m_objectName.isEmpty())
            what += u" \""_s + delivery.m_objectName + u'"';
        what += u": "_s + eventKind(delivery.m_eventType);
    }
    ++m_slowCount;
    const double ms = double(ns) / 1e6;
    const SlowCallback callback{m_loop, EngineClock::now() - qint64(ms), ms, what};
    qCInfo(lcLoop).noquote() << u"%1: callback took %2 s: %3"_s.arg(m_loop).arg(ms / 1000, 0, 'f', 2).arg(what);
    Q_EMIT slowCallback(callback);
}

LoopMonitor::DeliveryTiming::DeliveryTiming(const QObject *receiver, const QEvent *event)
{
    LoopMonitor *const monitor = t_monitor;
    // Inside a callback, the events it sends are part of it; inside a nested loop, they are its callbacks.
    if (!monitor || (t_delivery && !t_delivery->m_waited))
        return;
    m_monitor = monitor;
    // The receiver may be gone by the end (a deferred delete): what names it is taken now.
    m_className = receiver->metaObject()->className();
    m_objectName = receiver->objectName();
    m_eventType = event->type();
    m_outer = t_delivery;
    t_delivery = this;
    m_startNs = nowNs();
}

LoopMonitor::DeliveryTiming::~DeliveryTiming()
{
    if (!m_monitor)
        return;
    t_delivery = m_outer;
    const qint64 ns = nowNs() - m_startNs;
    // The monitor itself may have been deleted by this very delivery.
    if (m_waited || t_monitor != m_monitor || ns < qint64(m_monitor->threshold()) * 1'000'000)
        return;
    m_monitor->noteSlow(*this, ns);
}

LoopMonitor::Activity::Activity(const char *what, quint64 task)
    : m_what(what)
    , m_task(task)
    , m_delivery(t_delivery)
{
    if (m_delivery)
        m_startNs = nowNs();
}

LoopMonitor::Activity::~Activity()
{
    if (!m_delivery || m_delivery != t_delivery)
        return;
    const qint64 ns = nowNs() - m_startNs;
    if (ns > m_delivery->m_named.ns)
        m_delivery->m_named = {m_what, m_task, ns};
}

} // namespace loopscope
