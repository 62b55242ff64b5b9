#include "ResumePrompt.h"

#include "BatchLauncher.h"
#include "Format.h"
#include "History.h"

#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QCoroFuture>

namespace loopscope {

ResumePrompt::ResumePrompt(BatchLauncher &launcher, QWidget *window)
    : QObject(window)
    , m_launcher(launcher)
    , m_window(window)
{
}

ResumePrompt::Choice ResumePrompt::ask(const QList<HistoryBatch> &orphans)
{
    QStringList names;
    int unfinished = 0;
    for (const HistoryBatch &batch : orphans) {
        names << tr("“%1” (%2 of %3 tasks unfinished)").arg(batch.name).arg(batch.unfinished).arg(batch.total);
        unfinished += batch.unfinished;
    }
    QMessageBox question(QMessageBox::Question, tr("Resume Unfinished Work"),
                         tr("Loopscope ended before finishing %1:\n\n%2\n\nTasks that had finished will not run again.")
                             .arg(countOf(orphans.size(), tr("batch"), tr("batches")), names.join(u'\n')),
                         QMessageBox::NoButton, m_window);
    QPushButton *resume = question.addButton(tr("&Resume %1").arg(countOf(unfinished, tr("Task"), tr("Tasks"))), QMessageBox::AcceptRole);
    QPushButton *discard = question.addButton(tr("&Discard"), QMessageBox::DestructiveRole);
    question.addButton(tr("&Later"), QMessageBox::RejectRole);
    question.setDefaultButton(resume);
    question.exec();
    if (question.clickedButton() == resume)
        return Choice::Resume;
    return question.clickedButton() == discard ? Choice::Discard : Choice::Later;
}

QCoro::Task<> ResumePrompt::offer()
{
    History *history = m_launcher.history();
    if (!history)
        co_return;
    QPointer<ResumePrompt> self(this);
    const QList<HistoryBatch> orphans = co_await history->orphaned();
    if (!self || orphans.isEmpty())
        co_return;
    // The question is asked outside this coroutine: a widget kept in its frame across a
    // co_await would be deleted twice should the window close first.
    const Choice choice = ask(orphans);
    QList<BatchId> ids;
    for (const HistoryBatch &batch : orphans)
        ids << batch.id;
    if (choice == Choice::Resume) {
        const QList<BatchPlan> resumed = co_await m_launcher.resume(ids);
        if (self)
            Q_EMIT statusMessage(tr("Resumed %1").arg(countOf(resumed.size(), tr("batch"), tr("batches"))), 15'000);
    } else if (choice == Choice::Discard) {
        co_await history->discard(ids);
    }
}

} // namespace loopscope
