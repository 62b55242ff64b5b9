#include "TaskJson.h"

#include "EngineClock.h"

namespace loopscope {

namespace {
QJsonValue orNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QJsonValue timestamp(qint64 monotonicMs)
{
    if (monotonicMs < 0)
        return QJsonValue::Null;
    return EngineClock::toUtc(monotonicMs).toString(Qt::ISODateWithMs);
}
} // namespace

QJsonObject taskToJson(const TaskRecord &task)
{
    const qint64 now = task.finishedAt >= 0 ? task.finishedAt : task.startedAt;
    return {
        {QStringLiteral("id"), qint64(task.id)},
        {QStringLiteral("batch"), qint64(task.batch)},
        {QStringLiteral("url"), task.url.toString(QUrl::FullyEncoded)},
        {QStringLiteral("final_url"), task.finalUrl.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                              : QJsonValue(task.finalUrl.toString(QUrl::FullyEncoded))},
        {QStringLiteral("worker"), orNull(task.worker)},
        {QStringLiteral("state"), stateName(task.state)},
        {QStringLiteral("http_status"), task.httpStatus > 0 ? QJsonValue(task.httpStatus) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("attempts"), task.attempts},
        {QStringLiteral("bytes"), task.bytesReceived},
        {QStringLiteral("queued_ms"), task.queuedMs(now)},
        {QStringLiteral("run_ms"), task.runMs(now)},
        {QStringLiteral("error"), orNull(task.error)},
        {QStringLiteral("cancel_reason"), task.cancelReason == CancelReason::None ? QJsonValue(QJsonValue::Null)
                                                                                   : QJsonValue(cancelReasonText(task.cancelReason))},
        {QStringLiteral("queued_at"), timestamp(task.queuedAt)},
        {QStringLiteral("started_at"), timestamp(task.startedAt)},
        {QStringLiteral("finished_at"), timestamp(task.finishedAt)},
    };
}

} // namespace loopscope
