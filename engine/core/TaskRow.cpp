#include "TaskRow.h"

#include "EngineClock.h"

#include <QDateTime>

namespace loopscope {

namespace {
qint64 utcMs(qint64 monotonicMs)
{
    return monotonicMs < 0 ? -1 : EngineClock::toUtc(monotonicMs).toMSecsSinceEpoch();
}

QJsonValue orNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QString isoTime(qint64 utcMs)
{
    return utcMs < 0 ? QString() : QDateTime::fromMSecsSinceEpoch(utcMs, Qt::UTC).toString(Qt::ISODateWithMs); // "…Z"
}

// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
QString csvField(const QString &text)
{
    if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n') && !text.contains(u'\r'))
        return text;
    return u'"' + QString(text).replace(u'"', u"\"\""_qs) + u'"';
}

QString numberOrEmpty(qint64 value, bool present)
{
    return present ? QString::number(value) : QString();
}
} // namespace

TaskRow TaskRow::from(const TaskRecord &task)
{
    // A task that has not ended reports its times up to its last change.
    const qint64 end = task.finishedAt >= 0 ? task.finishedAt : task.startedAt;
    TaskRow row;
    row.id = task.id;
    row.batch = task.batch;
    row.url = task.url.toString(QUrl::FullyEncoded);
    row.finalUrl = task.finalUrl.isEmpty() ? QString() : task.finalUrl.toString(QUrl::FullyEncoded);
    row.worker = task.worker;
    row.state = stateName(task.state);
    row.httpStatus = task.httpStatus;
    row.attempts = task.attempts;
    row.bytes = task.bytesReceived;
    row.queuedMs = task.queuedMs(end);
    row.runMs = task.runMs(end);
    row.error = task.error;
    row.errorKind = errorKindName(task.errorKind);
    row.cancelReason = cancelReasonText(task.cancelReason);
    row.queuedAt = utcMs(task.queuedAt);
    row.startedAt = utcMs(task.startedAt);
    row.finishedAt = utcMs(task.finishedAt);
    row.file = task.savedPath;
    return row;
}

QJsonObject TaskRow::toJson() const
{
    const auto time = [](qint64 utc) { return utc < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(isoTime(utc)); };
    return {
        {QStringLiteral("id"), qint64(id)},
        {QStringLiteral("batch"), qint64(batch)},
        {QStringLiteral("url"), url},
        {QStringLiteral("final_url"), orNull(finalUrl)},
        {QStringLiteral("worker"), orNull(worker)},
        {QStringLiteral("state"), state},
        {QStringLiteral("http_status"), httpStatus > 0 ? QJsonValue(httpStatus) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("attempts"), attempts},
        {QStringLiteral("bytes"), bytes},
        {QStringLiteral("queued_ms"), queuedMs},
        {QStringLiteral("run_ms"), runMs},
        {QStringLiteral("error"), orNull(error)},
        {QStringLiteral("error_kind"), orNull(errorKind)},
        {QStringLiteral("cancel_reason"), orNull(cancelReason)},
        {QStringLiteral("queued_at"), time(queuedAt)},
        {QStringLiteral("started_at"), time(startedAt)},
        {QStringLiteral("finished_at"), time(finishedAt)},
        {QStringLiteral("retry_of"), retryOf > 0 ? QJsonValue(qint64(retryOf)) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("file"), orNull(file)},
    };
}

QString TaskRow::csvHeader()
{
    return QStringLiteral("id,batch,url,final_url,worker,state,http_status,attempts,bytes,queued_ms,run_ms,error,error_kind,"
                          "cancel_reason,queued_at,started_at,finished_at,retry_of,file");
}

QString TaskRow::toCsv() const
{
    const QStringList fields{
        QString::number(id), QString::number(batch), csvField(url), csvField(finalUrl), csvField(worker), state,
        numberOrEmpty(httpStatus, httpStatus > 0), QString::number(attempts), QString::number(bytes),
        QString::number(queuedMs), QString::number(runMs), csvField(error), errorKind, csvField(cancelReason),
        isoTime(queuedAt), isoTime(startedAt), isoTime(finishedAt), numberOrEmpty(qint64(retryOf), retryOf > 0), csvField(file),
    };
    return fields.join(u',');
}

} // namespace loopscope
