#include "TaskState.h"

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

QString stateName(TaskState state)
{
    switch (state) {
    case TaskState::Queued: return QStringLiteral("queued");
    case TaskState::Running: return QStringLiteral("running");
    case TaskState::Succeeded: return QStringLiteral("succeeded");
    case TaskState::Failed: return QStringLiteral("failed");
    case TaskState::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

QString cancelReasonText(CancelReason reason)
{
    switch (reason) {
    case CancelReason::User: return QStringLiteral("cancelled by user");
    case CancelReason::Batch: return QStringLiteral("batch cancelled");
    case CancelReason::Shutdown: return QStringLiteral("cancelled at shutdown");
    case CancelReason::None: break;
    }
    return {};
}

} // namespace loopscope
