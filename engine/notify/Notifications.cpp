#include "Notifications.h"

#include "Format.h"

#include <QJsonArray>

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
    return task.httpStatus > 0 && !task.error.startsWith(u"HTTP") ? QStringLiteral("HTTP %1, %2").arg(task.httpStatus).arg(task.error)
                                                                  : task.error;
}
} // namespace

QString BatchSummary::subject() const
{
    return QStringLiteral("Loopscope: batch \"%1\" finished: %2 succeeded, %3 failed, %4 cancelled")
        .arg(batch.name)
        .arg(batch.count(TaskState::Succeeded))
        .arg(batch.count(TaskState::Failed))
        .arg(batch.count(TaskState::Cancelled));
}

QString BatchSummary::text() const
{
    const qint64 end = batch.lastFinishedAt;
    QString text = QStringLiteral("Batch \"%1\" finished.\n\n").arg(batch.name);
    text += QStringLiteral("Tasks:       %1\nSucceeded:   %2\nFailed:      %3\nCancelled:   %4\n\n")
                .arg(batch.total)
                .arg(batch.count(TaskState::Succeeded))
                .arg(batch.count(TaskState::Failed))
                .arg(batch.count(TaskState::Cancelled));
    text += QStringLiteral("Total elapsed time: %1 (sum of task times %2, %3 from concurrency)\n")
                .arg(formatSeconds(batch.elapsedMs(end)), formatSeconds(batch.sumRunMs(end)), formatGainAscii(batch.gain(end)));
    if (failed.isEmpty())
        return text;
    text += QStringLiteral("\nFailed URLs:\n");
    for (const TaskRecord &task : failed.mid(0, ListedFailures))
        text += QStringLiteral("  %1 (%2)\n").arg(task.url.toString(), failureOf(task));
    if (failed.size() > ListedFailures)
        text += QStringLiteral("  and %1 more\n").arg(failed.size() - ListedFailures);
    return text;
}

QJsonObject BatchSummary::json() const
{
    const qint64 end = batch.lastFinishedAt;
    QJsonArray failedUrls;
    for (const TaskRecord &task : failed.mid(0, ListedFailures)) {
        failedUrls.append(QJsonObject{{QStringLiteral("url"), task.url.toString()},
                                      {QStringLiteral("http_status"), task.httpStatus > 0 ? QJsonValue(task.httpStatus) : QJsonValue()},
                                      {QStringLiteral("error"), task.error}});
    }
    return {
        {QStringLiteral("batch"), batch.name},
        {QStringLiteral("batch_id"), qint64(batch.id)},
        {QStringLiteral("total"), batch.total},
        {QStringLiteral("succeeded"), batch.count(TaskState::Succeeded)},
        {QStringLiteral("failed"), batch.count(TaskState::Failed)},
        {QStringLiteral("cancelled"), batch.count(TaskState::Cancelled)},
        {QStringLiteral("elapsed_ms"), batch.elapsedMs(end)},
        {QStringLiteral("sum_of_task_ms"), batch.sumRunMs(end)},
        {QStringLiteral("failed_urls"), failedUrls},
        {QStringLiteral("failed_urls_not_listed"), std::max<qsizetype>(0, failed.size() - ListedFailures)},
    };
}

} // namespace loopscope
