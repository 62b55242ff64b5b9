#include "Mailbox.h"

#include <QMetaMethod>
#include <unordered_map>

namespace loopscope {

namespace {
// The mailbox of every thread that was posted to, until it finishes. Posting holds this lock,
// so that a mailbox is not deleted under a post to it.
struct Registry {
    std::mutex mutex;
    std::unordered_map<QThread *, Mailbox *> mailboxes;
};

Registry &registry()
{
    static auto *instance = new Registry; // never destroyed: threads may post during exit
    return *instance;
}
} // namespace

void Mailbox::open(QThread *thread)
{
    const std::lock_guard lock(registry().mutex);
    Mailbox *&mailbox = registry().mailboxes[thread];
    if (!mailbox) {
        mailbox = new Mailbox;
        mailbox->setObjectName(thread->objectName()); // names its calls in slow-callback reports
        mailbox->moveToThread(thread);
        // Emitted on the thread as it ends, so the mailbox is deleted where it lives. The
        // calls still waiting in it are dropped, as Qt drops the events of a finished thread.
        connect(thread, &QThread::finished, mailbox, [thread, mailbox] {
            {
                const std::lock_guard lock(registry().mutex);
                registry().mailboxes.erase(thread);
            }
            delete mailbox;
        }, Qt::DirectConnection);
    }
}

void Mailbox::post(QThread *thread, std::function<void()> fn)
{
    // Looked up once: a QMetaMethod's invoke() carries no closure across the thread.
    static const QMetaMethod runNext = staticMetaObject.method(staticMetaObject.indexOfMethod("runNext()"));
    const std::lock_guard lock(registry().mutex);
    const auto found = registry().mailboxes.find(thread);
    if (found == registry().mailboxes.end())
        return;
    Mailbox &mailbox = *found->second;
    {
        const std::lock_guard calls(mailbox.m_mutex);
        mailbox.m_calls.push_back(std::move(fn));
    }
    // One wake-up per call, each running the oldest call: posted calls keep their place among
    // the thread's other events, as queued invokeMethod calls do.
    runNext.invoke(&mailbox, Qt::QueuedConnection);
}

void Mailbox::runNext()
{
    std::function<void()> fn;
    {
        const std::lock_guard lock(m_mutex);
        if (m_calls.empty())
            return;
        fn = std::move(m_calls.front());
        m_calls.pop_front();
    }
    fn();
}

} // namespace loopscope
