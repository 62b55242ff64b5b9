#include "TaskRow.h"

#include "EngineClock.h"

#include <QDateTime>

#include <cmath>

using namespace Qt::StringLiterals;

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
    return u'"' + QString(text).replace(u'"', u"\"\""_s) + u'"';
}

QString numberOrEmpty(qint64 value, bool present)
{
    return present ? QString::number(value) : QString();
}

// Milliseconds to the microsecond curl measures in; null when unknown.
QJsonValue msValue(double ms)
{
    return ms < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(std::round(ms * 1000.0) / 1000.0);
}

double msFrom(const QJsonValue &value)
{
    return value.isDouble() ? value.toDouble() : -1;
}

QString msText(double ms)
{
    return ms < 0 ? QString() : QString::number(std::round(ms * 1000.0) / 1000.0, 'f', 3);
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
    // Most tasks end where they started: their text serves for both.
    row.finalUrl = task.finalUrl.isEmpty()     ? QString()
                 : task.finalUrl == task.url ? row.url
                                               : task.finalUrl.toString(QUrl::FullyEncoded);
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
    row.timings = task.timings;
    row.note = task.note;
    return row;
}

QJsonObject TaskRow::timingsJson(const AttemptTimings &timings)
{
    return {
        {u"dns_ms"_s, msValue(timings.dnsMs)},         {u"connect_ms"_s, msValue(timings.connectMs)},
        {u"tls_ms"_s, msValue(timings.tlsMs)},         {u"ttfb_ms"_s, msValue(timings.ttfbMs)},
        {u"transfer_ms"_s, msValue(timings.transferMs())}, {u"total_ms"_s, msValue(timings.totalMs)},
    };
}

QJsonObject TaskRow::connectionJson(const AttemptTimings &timings)
{
    return {
        {u"http_version"_s, orNull(timings.httpVersion)},
        {u"reused"_s, timings.remoteIp.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(timings.reused)},
        {u"remote_ip"_s, orNull(timings.remoteIp)},
    };
}

AttemptTimings TaskRow::timingsFromJson(const QJsonObject &object)
{
    AttemptTimings timings;
    timings.startMs = msFrom(object.value(u"start_ms"));
    timings.endMs = msFrom(object.value(u"end_ms"));
    timings.dnsMs = msFrom(object.value(u"dns_ms"));
    timings.connectMs = msFrom(object.value(u"connect_ms"));
    timings.tlsMs = msFrom(object.value(u"tls_ms"));
    timings.ttfbMs = msFrom(object.value(u"ttfb_ms"));
    timings.totalMs = msFrom(object.value(u"total_ms"));
    timings.httpVersion = object.value(u"http_version").toString();
    timings.reused = object.value(u"reused").toBool();
    timings.remoteIp = object.value(u"remote_ip").toString();
    return timings;
}

QJsonObject TaskRow::toJson() const
{
    const auto time = [](qint64 utc) { return utc < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(isoTime(utc)); };
    QJsonObject object{
        {u"id"_s, qint64(id)},
        {u"batch"_s, qint64(batch)},
        {u"url"_s, url},
        {u"final_url"_s, orNull(finalUrl)},
        {u"worker"_s, orNull(worker)},
        {u"state"_s, state},
        {u"http_status"_s, httpStatus > 0 ? QJsonValue(httpStatus) : QJsonValue(QJsonValue::Null)},
        {u"attempts"_s, attempts},
        {u"bytes"_s, bytes},
        {u"queued_ms"_s, queuedMs},
        {u"run_ms"_s, runMs},
        {u"error"_s, orNull(error)},
        {u"error_kind"_s, orNull(errorKind)},
        {u"cancel_reason"_s, orNull(cancelReason)},
        {u"queued_at"_s, time(queuedAt)},
        {u"started_at"_s, time(startedAt)},
        {u"finished_at"_s, time(finishedAt)},
        {u"retry_of"_s, retryOf > 0 ? QJsonValue(qint64(retryOf)) : QJsonValue(QJsonValue::Null)},
        {u"file"_s, orNull(file)},
        {u"timings"_s, timings.known() ? QJsonValue(timingsJson(timings)) : QJsonValue(QJsonValue::Null)},
        {u"note"_s, orNull(note)},
    };
    const QJsonObject connection = connectionJson(timings);
    for (auto it = connection.begin(); it != connection.end(); ++it)
        object.insert(it.key(), it.value());
    return object;
}

QString TaskRow::csvHeader()
{
    return u"id,batch,url,final_url,worker,state,http_status,attempts,bytes,queued_ms,run_ms,error,error_kind,"
                          "cancel_reason,queued_at,started_at,finished_at,retry_of,file,dns_ms,connect_ms,tls_ms,ttfb_ms,transfer_ms,"
                          "total_ms,http_version,reused,remote_ip,note"_s;
}

QString TaskRow::toCsv() const
{
    const QStringList fields{
        QString::number(id), QString::number(batch), csvField(url), csvField(finalUrl), csvField(worker), state,
        numberOrEmpty(httpStatus, httpStatus > 0), QString::number(attempts), QString::number(bytes),
        QString::number(queuedMs), QString::number(runMs), csvField(error), errorKind, csvField(cancelReason),
        isoTime(queuedAt), isoTime(startedAt), isoTime(finishedAt), numberOrEmpty(qint64(retryOf), retryOf > 0), csvField(file),
        msText(timings.dnsMs), msText(timings.connectMs), msText(timings.tlsMs), msText(timings.ttfbMs), msText(timings.transferMs()),
        msText(timings.totalMs), timings.httpVersion, timings.remoteIp.isEmpty() ? QString() : (timings.reused ? u"true"_s : u"false"_s),
        timings.remoteIp, csvField(note),
    };
    return fields.join(u',');
}

} // namespace loopscope
