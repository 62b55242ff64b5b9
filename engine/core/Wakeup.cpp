#include "Wakeup.h"

#include <utility>

namespace loopscope {

void Wakeup::fire()
{
    m_fired = true;
    if (const std::coroutine_handle<> waiting = std::exchange(m_waiting, {}))
        QMetaObject::invokeMethod(this, [waiting] { waiting.resume(); }, Qt::QueuedConnection);
}

void Wakeup::fireHere()
{
    m_fired = true;
    if (const std::coroutine_handle<> waiting = std::exchange(m_waiting, {}))
        waiting.resume();
}

} // namespace loopscope
