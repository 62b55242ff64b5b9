#pragma once

#include "Mailbox.h"

#include <QFuture>
#include <QPromise>
#include <QThread>
#include <QCoroTask>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <variant>

namespace loopscope {

class LoopMonitor;

// Starts thread, which runs an event loop, and returns once the thread has made its event
// dispatcher, which posting to it wakes: the dispatcher is handed to this thread under a
// std::mutex, visibly to sanitizers, rather than through atomics inside Qt they cannot see.
void startLoopThread(QThread &thread);
// Ends the loop of a thread started so, after the calls already posted to it, and waits for the
// thread to finish. Asked through the thread's Mailbox rather than with quit(): waking the loop
// writes to GLib's eventfd, which the ending thread closes, and the mailbox's lock, which the
// ending thread takes too, is what lets sanitizers see that order.
void endLoopThread(QThread &thread);

// Where one value (of void: the news that something happened) passes to a thread that waits
// for it, under a std::mutex that sanitizers see.
template<typename T>
class HandOver {
public:
    using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
    void give(Value value)
    {
        const std::lock_guard lock(m_mutex);
        m_value.emplace(std::move(value));
        m_given.notify_one();
    }
    T take()
    {
        std::unique_lock lock(m_mutex);
        m_given.wait(lock, [this] { return m_value.has_value(); });
        if constexpr (!std::is_void_v<T>)
            return std::move(*m_value);
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_given;
    std::optional<Value> m_value;
};

// A thread running its own event loop: the home of every network and notification object.
// post() is asyncio's call_soon_threadsafe; submit() is run_coroutine_threadsafe — the
// coroutine runs on this loop and the caller co_awaits the returned QFuture on its own thread;
// runAndWait() is the same for a caller that blocks until the coroutine has ended.
class WorkerLoop {
public:
    explicit WorkerLoop(const QString &name);
    ~WorkerLoop(); // quits the loop and joins the thread
    WorkerLoop(const WorkerLoop &) = delete;
    WorkerLoop &operator=(const WorkerLoop &) = delete;

    QThread *thread() const { return m_thread.get(); }
    // Starts a LoopMonitor on this loop, named loopName in its reports ("worker loop"); it
    // lives until the loop ends. Connect to it before the loop ends, from any thread.
    LoopMonitor *watch(const QString &loopName);
    bool isCurrent() const { return QThread::currentThread() == m_thread.get(); }

    // Runs fn on the worker loop, after whatever is already queued there.
    void post(std::function<void()> fn) const { Mailbox::post(m_thread.get(), std::move(fn)); }

    // Starts factory() — a function returning QCoro::Task<T> — on the worker loop.
    template<typename Factory>
    auto submit(Factory factory) const
    {
        using T = typename decltype(factory())::value_type;
        auto promise = std::make_shared<QPromise<T>>();
        promise->start();
        QFuture<T> future = promise->future();
        QThread *caller = QThread::currentThread();
        Mailbox::open(caller);
        post([promise, factory = std::move(factory), caller]() mutable {
            runSubmitted<T>(std::move(promise), std::move(factory), caller);
        });
        return future;
    }

    // Runs factory() on the worker loop, which must be running, and blocks this thread (never
    // the worker's) until the task it returns has ended; returns the task's value. The value is
    // handed back under a std::mutex, which sanitizers see: a QFuture's result is handed over
    // inside Qt, where they do not, and reading it would look to them like a data race.
    template<typename Factory>
    auto runAndWait(Factory factory) const
    {
        using T = typename decltype(factory())::value_type;
        Q_ASSERT(!isCurrent());
        auto handOver = std::make_shared<HandOver<T>>();
        post([handOver, factory = std::move(factory)]() mutable { runWaited(std::move(handOver), std::move(factory)); });
        return handOver->take();
    }

private:
    template<typename T, typename Factory>
    static QCoro::Task<> runWaited(std::shared_ptr<HandOver<T>> handOver, Factory factory)
    {
        if constexpr (std::is_void_v<T>) {
            co_await factory();
            handOver->give({});
        } else {
            handOver->give(co_await factory());
        }
    }

    template<typename T, typename Factory>
    static QCoro::Task<> runSubmitted(std::shared_ptr<QPromise<T>> promise, Factory factory, QThread *caller)
    {
        if constexpr (std::is_void_v<T>)
            co_await factory();
        else
            promise->addResult(co_await factory());
        promise->finish();
        // Let go of on the caller's thread, after its Mailbox hands it over: the result is
        // freed by whichever side lets go last, and if that were this thread, its freeing
        // would be ordered after the caller's reads only by a reference count inside Qt.
        Mailbox::post(caller, [promise = std::move(promise)] {});
    }

    std::unique_ptr<QThread> m_thread;
};

} // namespace loopscope
