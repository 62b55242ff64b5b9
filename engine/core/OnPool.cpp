#include "OnPool.h"

#include <QThreadPool>

#include <deque>
#include <mutex>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace loopscope {

namespace {
// The jobs waiting for a pool thread, in the order they were started.
struct Jobs {
    std::mutex mutex;
    std::deque<std::function<void()>> waiting;
};

Jobs &jobs()
{
    static auto *instance = new Jobs; // never destroyed: pool jobs may run during exit
    return *instance;
}
} // namespace

void startOnPool(std::function<void()> job)
{
    {
        const std::lock_guard lock(jobs().mutex);
        jobs().waiting.push_back(std::move(job));
    }
    // One pool job per job started, each running the oldest one waiting.
    QThreadPool::globalInstance()->start([] {
        std::function<void()> next;
        {
            const std::lock_guard lock(jobs().mutex);
            next = std::move(jobs().waiting.front());
            jobs().waiting.pop_front();
        }
        next();
    });
}

void dropOnPool(std::shared_ptr<void> garbage)
{
    startOnPool([garbage = std::move(garbage)]() mutable {
        garbage.reset();
#ifdef __GLIBC__
        malloc_trim(0);
#endif
    });
}

} // namespace loopscope
