#include "WorkerLoop.h"

#include "LoopMonitor.h"

namespace loopscope {

void startLoopThread(QThread &thread)
{
    Mailbox::open(&thread);
    HandOver<void> started;
    const QMetaObject::Connection announcing =
        QObject::connect(&thread, &QThread::started, &thread, [&started] { started.give({}); }, Qt::DirectConnection);
    thread.start();
    started.take();
    QObject::disconnect(announcing);
}

void endLoopThread(QThread &thread)
{
    Mailbox::post(&thread, [] { QThread::currentThread()->quit(); });
    thread.wait();
}

WorkerLoop::WorkerLoop(const QString &name)
    : m_thread(std::make_unique<QThread>())
{
    m_thread->setObjectName(name);
    startLoopThread(*m_thread);
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
    endLoopThread(*m_thread);
}

} // namespace loopscope
