#pragma once

#include "TaskRecord.h"

namespace loopscope {

struct FetchOutcome;

// How a task ends, decided from its last attempt alone: cancelled if its token was (whatever
// that attempt saw), failed if the attempt did, succeeded otherwise. Pure, so that every
// combination is tested without a network.
struct TaskEnd {
    TaskState state = TaskState::Succeeded;
    ErrorKind errorKind = ErrorKind::None;
    QString error;
    CancelReason cancelReason = CancelReason::None;
};
// cancelled: the reason the task's token was cancelled for, None when it was not.
TaskEnd finishTask(const FetchOutcome &last, CancelReason cancelled);

} // namespace loopscope
