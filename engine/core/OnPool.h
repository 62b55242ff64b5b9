#pragma once

#include "Mailbox.h"

#include <QFuture>
#include <QPromise>
#include <QThread>

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace loopscope {

// Runs job on a thread of Qt's global pool. The job is handed over under a std::mutex of ours,
// not in the closure that the pool queues: that queue is ordered inside Qt, where sanitizers do
// not see, and everything the job touches would look to them like a data race.
void startOnPool(std::function<void()> job);

// Runs fn() on a pool thread; the returned future gets its value on this thread, which must run
// an event loop, through its Mailbox. Work that would stall a loop goes here: parsing a list of
// 100,000 lines, writing an export.
template<typename Fn>
QFuture<std::invoke_result_t<Fn>> runOnPool(Fn fn)
{
    using T = std::invoke_result_t<Fn>;
    auto promise = std::make_shared<QPromise<T>>();
    promise->start();
    QFuture<T> future = promise->future();
    QThread *caller = QThread::currentThread();
    Mailbox::open(caller);
    startOnPool([fn = std::move(fn), promise = std::move(promise), caller]() mutable {
        T value = fn();
        // Only the caller's thread touches the promise: its result is stored and read there.
        Mailbox::post(caller, [promise = std::move(promise), value = std::move(value)]() mutable {
            promise->addResult(std::move(value));
            promise->finish();
        });
    });
    return future;
}

// Destroys garbage on a pool thread. Freeing what a batch of 100,000 tasks left (records,
// spans, index nodes) takes a tenth of a second, which the loop that let go of it should not
// wait for; and glibc keeps freed memory for reuse unless it is trimmed afterwards, so a long
// session that clears its batches would grow.
void dropOnPool(std::shared_ptr<void> garbage);

template<typename T>
void freeElsewhere(T &&garbage)
{
    dropOnPool(std::make_shared<std::decay_t<T>>(std::forward<T>(garbage)));
}

} // namespace loopscope
