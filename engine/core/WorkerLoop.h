#pragma once

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QThread>
#include <QCoroTask>

#include <memory>
#include <type_traits>

namespace loopscope {

class LoopMonitor;

// A thread running its own event loop: the home of every network and notification object.
// post() is asyncio's call_soon_threadsafe; submit() is run_coroutine_threadsafe — the
// coroutine runs on this loop and the caller co_awaits the returned QFuture on its own thread.
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
    template<typename Fn>
    void post(Fn &&fn) const
    {
        QMetaObject::invokeMethod(m_context, std::forward<Fn>(fn), Qt::QueuedConnection);
    }

    // Starts factory() — a function returning QCoro::Task<T> — on the worker loop.
    template<typename Factory>
    auto submit(Factory factory) const
    {
        using T = typename decltype(factory())::value_type;
        auto promise = std::make_shared<QPromise<T>>();
        promise->start();
        QFuture<T> future = promise->future();
        post([promise, factory = std::move(factory)]() mutable {
            runSubmitted<T>(std::move(promise), std::move(factory));
        });
        return future;
    }

private:
    template<typename T, typename Factory>
    static QCoro::Task<> runSubmitted(std::shared_ptr<QPromise<T>> promise, Factory factory)
    {
        if constexpr (std::is_void_v<T>)
            co_await factory();
        else
            promise->addResult(co_await factory());
        promise->finish();
    }

    std::unique_ptr<QThread> m_thread;
    QObject *m_context; // lives on m_thread; the receiver of posted calls
};

} // namespace loopscope
