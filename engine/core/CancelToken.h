#pragma once

#include "TaskState.h"

#include <QObject>

namespace loopscope {

// QCoro 0.8 cannot cancel a coroutine from outside, so each running task carries a token
// and every await point listens to it: a fetch aborts its reply, a wait ends early.
// Lives on the worker thread; cancel() is called there (the engine posts it).
class CancelToken : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    bool isCancelled() const { return m_reason != CancelReason::None; }
    CancelReason reason() const { return m_reason; }
    // The first reason wins; later calls change nothing.
    void cancel(CancelReason reason);

Q_SIGNALS:
    void cancelled();

private:
    CancelReason m_reason = CancelReason::None;
};

} // namespace loopscope
