#include "Notifications.h"

#include "Format.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace loopscope {

bool NotificationSettings::appliesTo(const BatchRecord &batch) const
{
    switch (when) {
    case NotifyWhen::Never: return false;
    case NotifyWhen::EveryBatch: return true;
    case NotifyWhen::BatchesWithFailures: return batch.count(TaskState::Failed) > 0;
    }
    return false;
}

namespace {
QString failureOf(const TaskRecord &task)
{
    return task.httpStatus > 0 && !task.error.startsWith(u"HTTP") ? u"HTTP %1, %2"_s.arg(task.httpStatus).arg(task.error)
                                                                  : task.error;
}
} // namespace

QString BatchSummary::subject() const
{
    return u"Loopscope: batch \"%1\" finished: %2 succeeded, %3 failed, %4 cancelled"_s
        .arg(batch.name)
        .arg(batch.count(TaskState::Succeeded))
        .arg(batch.count(TaskState::Failed))
        .arg(batch.count(TaskState::Cancelled));
}

QString BatchSummary::text() const
{
    const qint64 end = batch.lastFinishedAt;
    QString text = u"Batch \"%1\" finished.\n\n"_s.arg(batch.name);
    text += u"Tasks:       %1\nSucceeded:   %2\nFailed:      %3\nCancelled:   %4\n\n"_s
                .arg(batch.total)
                .arg(batch.count(TaskState::Succeeded))
                .arg(batch.count(TaskState::Failed))
                .arg(batch.count(TaskState::Cancelled));
    text += u"Total elapsed time: %1 (sum of task times %2, %3 from concurrency)\n"_s
                .arg(formatSeconds(batch.elapsedMs(end)), formatSeconds(batch.sumRunMs(end)), formatGainAscii(batch.gain(end)));
    if (failed.isEmpty())
        return text;
    text += u"\nFailed URLs:\n"_s;
    for (const TaskRecord &task : failed.mid(0, ListedFailures))
        text += u"  %1 (%2)\n"_s.arg(task.url.toString(), failureOf(task));
    if (failed.size() > ListedFailures)
        text += u"  and %1 more\n"_s.arg(failed.size() - ListedFailures);
    return text;
}

QJsonObject BatchSummary::json() const
{
    const qint64 end = batch.lastFinishedAt;
    QJsonArray failedUrls;
    for (const TaskRecord &task : failed.mid(0, ListedFailures)) {
        failedUrls.append(QJsonObject{{u"url"_s, task.url.toString()},
                                      {u"http_status"_s, task.httpStatus > 0 ? QJsonValue(task.httpStatus) : QJsonValue()},
                                      {u"error"_s, task.error}});
    }
    return {
        {u"batch"_s, batch.name},
        {u"batch_id"_s, qint64(batch.id)},
        {u"total"_s, batch.total},
        {u"succeeded"_s, batch.count(TaskState::Succeeded)},
        {u"failed"_s, batch.count(TaskState::Failed)},
        {u"cancelled"_s, batch.count(TaskState::Cancelled)},
        {u"elapsed_ms"_s, batch.elapsedMs(end)},
        {u"sum_of_task_ms"_s, batch.sumRunMs(end)},
        {u"failed_urls"_s, failedUrls},
        {u"failed_urls_not_listed"_s, std::max<qsizetype>(0, failed.size() - ListedFailures)},
    };
}

} // namespace loopscope
