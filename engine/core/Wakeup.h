#pragma once

#include <QObject>

#include <coroutine>

namespace loopscope {

// An awaitable that any of several events can fire: data arrived, the peer left, a timer
// ran out, the task was cancelled. QCoro 0.8 awaits one signal at a time, and resumes from
// inside the emitter; this resumes on the next turn of the loop, once per wait, so the
// coroutine may freely destroy the objects whose signals woke it.
class Wakeup : public QObject {
public:
    using QObject::QObject;

    void fire();
    // Resumes the waiting coroutine at once, inside this call, sparing the turn of the loop:
    // only for a caller that holds nothing the coroutine may destroy and is not in the middle
    // of an emission whose sender it may destroy.
    void fireHere();

    // co_await wakeup.next(): returns at once if it fired since the last wait.
    struct Awaiter {
        Wakeup *wakeup;
        bool await_ready() const noexcept { return wakeup->m_fired; }
        void await_suspend(std::coroutine_handle<> waiting) noexcept { wakeup->m_waiting = waiting; }
        void await_resume() noexcept { wakeup->m_fired = false; }
    };
    Awaiter next() { return Awaiter{this}; }

private:
    std::coroutine_handle<> m_waiting;
    bool m_fired = false;
};

} // namespace loopscope
