#pragma once

#include <QObject>
#include <QPointer>
#include <QThread>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace loopscope {

// Where calls for one thread's event loop wait to be run there: every hand-over of data from
// one thread to another goes through one, as asyncio's call_soon_threadsafe does. The closure
// passes through a std::mutex, and Qt carries only a wake-up with no data in it. A queued
// invokeMethod or signal would order the closure as well, but inside Qt, which tools such as
// ThreadSanitizer do not see into: they would take every hand-over for a data race.
class Mailbox : public QObject {
    Q_OBJECT
public:
    // Makes the mailbox of thread, which must not have been destroyed; it goes when the
    // thread finishes.
    static void open(QThread *thread);
    // Runs fn on thread's loop, after every call already posted there; any thread may post to
    // any other, or to its own. Dropped, unrun, when thread has no mailbox open: it finished.
    static void post(QThread *thread, std::function<void()> fn);

private:
    Mailbox() = default;
    Q_INVOKABLE void runNext();

    std::mutex m_mutex;
    std::deque<std::function<void()>> m_calls;
};

// An object on some thread that calls are handed to through that thread's Mailbox: each runs
// there, given the object, unless it is gone or has moved by then. Made once the object is on
// its thread, then copied anywhere.
template<typename T>
class Recipient {
public:
    explicit Recipient(T *object)
        : m_object(object)
        , m_thread(object->thread())
    {
        Mailbox::open(m_thread);
    }

    // fn(T &) runs on the object's thread.
    template<typename Fn>
    void call(Fn fn) const
    {
        Mailbox::post(m_thread, [object = m_object, fn = std::move(fn)]() mutable {
            if (object && object->thread() == QThread::currentThread())
                fn(*object);
        });
    }

private:
    QPointer<T> m_object;
    QThread *m_thread;
};

// A slot for a signal emitted on another thread (connect it with Qt::DirectConnection): the
// arguments of each emission are copied there, and fn is called with them on recipient's
// thread, through its Mailbox.
template<typename... Args, typename Fn>
auto relayTo(QObject *recipient, Fn fn)
{
    return [to = Recipient(recipient), fn = std::make_shared<Fn>(std::move(fn))](const Args &...args) {
        to.call([fn, args...](QObject &) { (*fn)(args...); });
    };
}

} // namespace loopscope
