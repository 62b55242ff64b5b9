#include "TaskEnd.h"

#include "HttpFetch.h"

namespace loopscope {

TaskEnd finishTask(const FetchOutcome &last, CancelReason cancelled)
{
    if (cancelled != CancelReason::None || last.kind == ErrorKind::Cancelled)
        return {TaskState::Cancelled, ErrorKind::Cancelled, cancelReasonText(cancelled), cancelled};
    if (last.kind != ErrorKind::None)
        return {TaskState::Failed, last.kind, last.error, CancelReason::None};
    return {};
}

} // namespace loopscope
