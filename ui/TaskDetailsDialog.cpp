#include "TaskDetailsDialog.h"

#include "EngineClock.h"
#include "Format.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
QString when(qint64 monotonicMs)
{
    return monotonicMs < 0 ? QObject::tr("—") : EngineClock::toUtc(monotonicMs).toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss.zzz"_s);
}

QString formatMilliseconds(double ms)
{
    return ms < 0 ? QObject::tr("—") : QObject::tr("%1 ms").arg(ms < 10 ? QString::number(ms, 'f', 2) : QString::number(ms, 'f', 1));
}

// "3", then a line per attempt that ended: "1. HTTP 503 Service Unavailable (http)".
QString attemptsText(const TaskRecord &task)
{
    QString text = QString::number(task.attempts);
    for (qsizetype n = 0; n < task.attemptLog.size(); ++n) {
        const AttemptRecord &attempt = task.attemptLog[n];
        const QString outcome = attempt.errorKind == ErrorKind::None
                                    ? QObject::tr("HTTP %1").arg(attempt.httpStatus)
                                    : u"%1 (%2)"_s.arg(attempt.error, errorKindName(attempt.errorKind));
        text += u"\n%1. %2"_s.arg(n + 1).arg(outcome);
        if (attempt.timings.known())
            text += QObject::tr(", %1").arg(formatMilliseconds(attempt.timings.totalMs));
    }
    return text;
}

// Where the last attempt's time went: each phase is measured from the start of the attempt,
// as libcurl reports them, so each is at least the one before.
QString timingsText(const AttemptTimings &timings)
{
    if (!timings.known())
        return QObject::tr("—");
    return QObject::tr("name lookup %1, connected %2, TLS done %3, first byte %4, total %5 (transfer %6)")
        .arg(formatMilliseconds(timings.dnsMs), formatMilliseconds(timings.connectMs), formatMilliseconds(timings.tlsMs),
             formatMilliseconds(timings.ttfbMs), formatMilliseconds(timings.totalMs), formatMilliseconds(timings.transferMs()));
}

QString connectionText(const AttemptTimings &timings)
{
    if (timings.httpVersion.isEmpty() && timings.remoteIp.isEmpty())
        return QObject::tr("—");
    QStringList parts;
    if (!timings.httpVersion.isEmpty())
        parts << QObject::tr("HTTP/%1").arg(timings.httpVersion);
    if (!timings.remoteIp.isEmpty())
        parts << timings.remoteIp;
    parts << (timings.reused ? QObject::tr("reused") : QObject::tr("new connection"));
    return parts.join(u", "_s);
}

QLabel *selectable(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text.toHtmlEscaped(), parent);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    label->setWordWrap(true);
    return label;
}
} // namespace

TaskDetailsDialog::TaskDetailsDialog(const TaskRecord &task, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Task %1").arg(task.id));
    const qint64 now = EngineClock::now();
    auto *form = new QFormLayout;
    form->addRow(tr("URL:"), selectable(task.url.toString(), this));
    form->addRow(tr("Final URL:"), selectable(task.finalUrl.isEmpty() ? tr("—") : task.finalUrl.toString(), this));
    form->addRow(tr("State:"), selectable(stateName(task.state), this));
    form->addRow(tr("Worker:"), selectable(task.worker.isEmpty() ? tr("—") : task.worker, this));
    form->addRow(tr("Attempts:"), selectable(attemptsText(task), this));
    form->addRow(tr("HTTP status:"), selectable(task.httpStatus ? QString::number(task.httpStatus) : tr("—"), this));
    form->addRow(tr("Received:"), selectable(formatBytes(task.bytesReceived), this));
    form->addRow(tr("Queued at:"), selectable(when(task.queuedAt), this));
    form->addRow(tr("Started at:"), selectable(when(task.startedAt), this));
    form->addRow(tr("Finished at:"), selectable(when(task.finishedAt), this));
    form->addRow(tr("Queued for:"), selectable(formatSeconds(task.queuedMs(now)), this));
    form->addRow(tr("Ran for:"), selectable(task.startedAt < 0 ? tr("never started") : formatSeconds(task.runMs(now)), this));
    form->addRow(tr("Error:"), selectable(task.error.isEmpty() ? tr("—") : task.error, this));
    form->addRow(tr("Timings:"), selectable(timingsText(task.timings), this));
    form->addRow(tr("Connection:"), selectable(connectionText(task.timings), this));
    form->addRow(tr("Note:"), selectable(task.note.isEmpty() ? tr("—") : task.note, this));
    form->addRow(tr("Error kind:"), selectable(task.errorKind == ErrorKind::None ? tr("—") : errorKindName(task.errorKind), this));

    const QString headers = QString::fromLatin1(task.responseHeaders);
    auto *headerView = new QPlainTextEdit(headers.isEmpty() ? tr("(no response)") : headers, this);
    headerView->setReadOnly(true);
    headerView->setAccessibleName(tr("Response headers"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Response headers:"), this));
    layout->addWidget(headerView, 1);
    layout->addWidget(buttons);
    resize(620, 560);
}

} // namespace loopscope
