#include "BatchRecord.h"

using namespace Qt::StringLiterals;

namespace loopscope {

int BatchRecord::done() const
{
    return count(TaskState::Succeeded) + count(TaskState::Failed) + count(TaskState::Cancelled);
}

qint64 BatchRecord::elapsedMs(qint64 now) const
{
    if (firstStartedAt < 0)
        return 0;
    return (finished() ? lastFinishedAt : now) - firstStartedAt;
}

qint64 BatchRecord::sumRunMs(qint64 now) const
{
    return finishedRunMs + count(TaskState::Running) * now - runningSince;
}

double BatchRecord::gain(qint64 now) const
{
    const qint64 elapsed = elapsedMs(now);
    return elapsed > 0 ? double(sumRunMs(now)) / double(elapsed) : 0.0;
}

QString BatchRecord::blockedText() const
{
    if (blockedHost.isEmpty())
        return {};
    const QString text = u"waiting: %1 of %1 connections to %2 in use"_s.arg(blockedLimit > 0 ? blockedLimit : settings.hostLimit()).arg(blockedHost);
    return blockedSlowdown.isEmpty() ? text : text + u" ("_s + blockedSlowdown + u')';
}

bool BatchRecord::notifiedAt(qint64 startedAt) const
{
    constexpr qint64 NotificationGraceMs = 1000;
    return firstStartedAt >= 0 && startedAt >= firstStartedAt && startedAt <= lastFinishedAt + NotificationGraceMs;
}

QString workerName(int worker)
{
    return u"Worker %1"_s.arg(worker + 1);
}

} // namespace loopscope
