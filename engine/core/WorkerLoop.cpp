#include "WorkerLoop.h"

#include "LoopMonitor.h"

#include <condition_variable>
#include <mutex>

namespace loopscope {

WorkerLoop::WorkerLoop(const QString &name)
    : m_thread(std::make_unique<QThread>())
{
    m_thread->setObjectName(name);
    Mailbox::open(m_thread.get());
    // Returns once the thread has made its event dispatcher, which posting to it wakes: the
    // dispatcher is then handed to this thread through a std::mutex, visibly to sanitizers,
    // instead of through the atomics inside Qt that they cannot see.
    std::mutex mutex;
    std::condition_variable changed;
    bool started = false;
    const QMetaObject::Connection announcing = QObject::connect(m_thread.get(), &QThread::started, m_thread.get(), [&] {
        const std::lock_guard lock(mutex);
        started = true;
        changed.notify_one();
    }, Qt::DirectConnection);
    m_thread->start();
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return started; });
    QObject::disconnect(announcing);
}

LoopMonitor *WorkerLoop::watch(const QString &loopName)
{
    auto *monitor = new LoopMonitor(loopName);
    monitor->moveToThread(m_thread.get());
    QObject::connect(m_thread.get(), &QThread::finished, monitor, &QObject::deleteLater);
    post([monitor] { monitor->start(); });
    return monitor;
}

WorkerLoop::~WorkerLoop()
{
    // Asked through the mailbox, after the calls already posted, rather than with quit() from
    // here: waking the loop writes to GLib's eventfd, which the ending thread closes, and the
    // mailbox's lock, which the ending thread takes too, is what lets sanitizers see the order.
    Mailbox::post(m_thread.get(), [] { QThread::currentThread()->quit(); });
    m_thread->wait();
}

} // namespace loopscope
