#include "WorkerLoop.h"

#include "LoopMonitor.h"

namespace loopscope {

WorkerLoop::WorkerLoop(const QString &name)
    : m_thread(std::make_unique<QThread>())
    , m_context(new QObject)
{
    m_thread->setObjectName(name);
    m_context->setObjectName(name);
    m_context->moveToThread(m_thread.get());
    QObject::connect(m_thread.get(), &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start();
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
    m_thread->quit();
    m_thread->wait();
}

} // namespace loopscope
