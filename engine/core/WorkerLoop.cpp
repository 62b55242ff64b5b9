#include "WorkerLoop.h"

namespace loopscope {

WorkerLoop::WorkerLoop(const QString &name)
    : m_thread(std::make_unique<QThread>())
    , m_context(new QObject)
{
    m_thread->setObjectName(name);
    m_context->moveToThread(m_thread.get());
    QObject::connect(m_thread.get(), &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start();
}

WorkerLoop::~WorkerLoop()
{
    m_thread->quit();
    m_thread->wait();
}

} // namespace loopscope
