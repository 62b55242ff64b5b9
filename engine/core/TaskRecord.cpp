#include "TaskRecord.h"

namespace loopscope {

qint64 TaskRecord::queuedMs(qint64 now) const
{
    if (queuedAt < 0)
        return 0;
    const qint64 end = startedAt >= 0 ? startedAt : (finishedAt >= 0 ? finishedAt : now);
    return end - queuedAt;
}

qint64 TaskRecord::runMs(qint64 now) const
{
    if (startedAt < 0)
        return 0;
    return (finishedAt >= 0 ? finishedAt : now) - startedAt;
}

} // namespace loopscope
