#include "TaskPrinter.h"

#include "EngineClock.h"
#include "Format.h"

#include <QDir>

using namespace Qt::StringLiterals;


using namespace loopscope;

namespace {
// Relative to the current folder when inside it, as a user would type it.
QString shownPath(const QString &path)
{
    const QString relative = QDir::current().relativeFilePath(path);
    return relative.startsWith(u"../"_s) ? path : relative;
}
} // namespace

void TaskPrinter::print(const EngineUpdate &update)
{
    // A batch's record comes with every update that carries its tasks.
    for (const BatchRecord &batch : update.batches) {
        m_attemptsAllowed.insert(batch.id, batch.settings.retries + 1);
        // Once per batch: the limit is the user's to raise, and saying it per task would bury the rest.
        if (!m_quiet && !batch.blockedHost.isEmpty() && m_followed.contains(batch.id) && !m_blockedSaid.contains(batch.id)) {
            m_blockedSaid.insert(batch.id);
            m_out << batch.blockedText() << " (--per-host " << batch.settings.hostLimit() << ")\n";
        }
    }
    for (const TaskRecord &task : update.tasks) {
        if (m_followed.contains(task.batch))
            printTask(task);
    }
    m_out.flush();
}

void TaskPrinter::printTask(const TaskRecord &task)
{
    // Only tasks between their start and their end are remembered: a batch of a million
    // holds the few that run, not a million entries.
    const bool ended = isTerminal(task.state);
    if (task.startedAt < 0 && !ended)
        return; // queued
    const auto found = m_started.find(task.id);
    const bool startPrinted = found != m_started.end();
    if (task.startedAt >= 0 && !startPrinted && !m_quiet)
        m_out << task.worker << " getting URL: " << task.url.toString() << '\n';
    int &waitsPrinted = startPrinted ? found.value() : m_started[task.id];
    if (task.retryAt >= 0 && waitsPrinted < task.attempts) {
        waitsPrinted = task.attempts;
        if (!m_quiet)
            m_out << task.worker << " retrying " << task.url.toString() << " in "
                  << formatSeconds(EngineClock::msUntil(task.retryAt)) << " (attempt " << task.attempts + 1
                  << " of " << m_attemptsAllowed.value(task.batch) << "): " << task.error << '\n';
    }
    if (!ended)
        return;
    // The engine publishes a task's end once.
    m_started.remove(task.id);
    if (m_records) {
        TaskRow row = TaskRow::from(task);
        row.retryOf = m_retryOf.value(task.id);
        m_records->write(row);
    }
    if (m_quiet || task.startedAt < 0)
        return;
    QString detail;
    if (task.state == TaskState::Succeeded)
        detail = QString::number(task.httpStatus) + u", " + formatBytes(task.bytesReceived)
            + (task.savedPath.isEmpty() ? QString() : u" \u2192 "_s + shownPath(task.savedPath));
    else
        detail = stateName(task.state) + u": " + task.error;
    m_out << task.worker << " elapsed time: " << formatSeconds(task.runMs(task.finishedAt)) << " (" << detail << ")\n";
}
