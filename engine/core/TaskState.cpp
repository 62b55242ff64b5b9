#include "TaskState.h"

using namespace Qt::StringLiterals;

namespace loopscope {

bool isTerminal(TaskState state)
{
    return state == TaskState::Succeeded || state == TaskState::Failed || state == TaskState::Cancelled;
}

bool canMove(TaskState from, TaskState to)
{
    switch (from) {
    case TaskState::Queued:
        return to == TaskState::Running || to == TaskState::Cancelled;
    case TaskState::Running:
        return isTerminal(to);
    default:
        return false;
    }
}

TaskState stateNamed(const QString &name)
{
    for (int state = 0; state < TaskStateCount; ++state)
        if (stateName(TaskState(state)) == name)
            return TaskState(state);
    return TaskState::Queued;
}

QString stateName(TaskState state)
{
    switch (state) {
    case TaskState::Queued: return u"queued"_s;
    case TaskState::Running: return u"running"_s;
    case TaskState::Succeeded: return u"succeeded"_s;
    case TaskState::Failed: return u"failed"_s;
    case TaskState::Cancelled: return u"cancelled"_s;
    }
    return {};
}

QString cancelReasonText(CancelReason reason)
{
    switch (reason) {
    case CancelReason::User: return u"cancelled by user"_s;
    case CancelReason::Batch: return u"batch cancelled"_s;
    case CancelReason::Shutdown: return u"cancelled at shutdown"_s;
    case CancelReason::None: break;
    }
    return {};
}

} // namespace loopscope
