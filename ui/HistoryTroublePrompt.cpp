#include "HistoryTroublePrompt.h"

#include "Format.h"

#include <QDateTime>
#include <QMessageBox>
#include <QPushButton>

using namespace Qt::StringLiterals;

namespace loopscope {

HistoryTroublePrompt::Opened HistoryTroublePrompt::open(const QString &path, QWidget *parent)
{
    const QString file = path.isEmpty() ? History::defaultPath() : path;
    QString done;
    for (;;) {
        Result<std::unique_ptr<History>> opened = History::open(file, History::Check::Verify);
        if (opened) {
            if (!done.isEmpty()) // longer than a status bar shows
                QMessageBox::information(parent, tr("History Mended"), done);
            return {std::move(opened).value(), done};
        }
        switch (ask(file, opened.failure(), HistoryFile::troubleOf(file), parent)) {
        case Choice::MoveAside:
            if (const Result<QString> aside = HistoryFile::moveAside(file, QDateTime::currentDateTime()); aside)
                done = tr("A new history was started; the damaged one is kept as %1").arg(*aside);
            else
                QMessageBox::warning(parent, tr("Cannot Move the History Aside"), aside.error());
            break;
        case Choice::Recover:
            if (const Result<HistoryFile::Recovered> recovered = HistoryFile::recover(file, QDateTime::currentDateTime()); recovered)
                done = tr("Recovered %1 and %2 from the damaged history, which is kept as %3")
                           .arg(countOf(recovered->batches, tr("batch"), tr("batches")), countOf(recovered->tasks, tr("task"), tr("tasks")),
                                recovered->aside);
            else
                QMessageBox::warning(parent, tr("Cannot Recover the History"), recovered.error());
            break;
        case Choice::TryAgain:
            break;
        case Choice::WithoutHistory:
            return {nullptr, tr("Work is not recorded: %1").arg(opened.error())};
        }
    }
}

HistoryTroublePrompt::Choice HistoryTroublePrompt::ask(const QString &path, const Failure &failure, HistoryFile::Trouble trouble,
                                                       QWidget *parent)
{
    QMessageBox box(QMessageBox::Warning, tr("History Cannot Be Used"), {}, QMessageBox::NoButton, parent);
    QString why;
    switch (trouble) {
    case HistoryFile::Trouble::Damaged:
        why = tr("The file is damaged. It can be moved aside, kept under another name, and a new history started; or what can "
                 "still be read of it can be recovered into a new one.");
        break;
    case HistoryFile::Trouble::ReadOnly:
        why = tr("The file or its folder cannot be written. Make it writable and try again.");
        break;
    case HistoryFile::Trouble::Full:
        why = tr("The disk it is on is full. Make room and try again.");
        break;
    case HistoryFile::Trouble::Busy:
        why = tr("Another program holds it locked. Close that program and try again.");
        break;
    case HistoryFile::Trouble::Other:
        break;
    }
    box.setText(tr("Loopscope cannot open its history, %1.").arg(path));
    box.setInformativeText(failure.message + (why.isEmpty() ? QString() : u"\n\n"_s + why)
                           + tr("\n\nWithout a history, work in this window is not recorded and cannot be resumed."));
    const auto add = [&box](const QString &text, QMessageBox::ButtonRole role, const char *name) {
        QPushButton *button = box.addButton(text, role);
        button->setObjectName(QString::fromLatin1(name));
        return button;
    };
    QPushButton *moveAside = nullptr;
    QPushButton *recover = nullptr;
    QPushButton *tryAgain = nullptr;
    if (trouble == HistoryFile::Trouble::Damaged) {
        moveAside = add(tr("Move Aside and Start Anew"), QMessageBox::AcceptRole, "moveAside");
        recover = add(tr("Recover What Can Be Read"), QMessageBox::ActionRole, "recover");
        box.setDefaultButton(moveAside);
    } else {
        tryAgain = add(tr("Try Again"), QMessageBox::AcceptRole, "tryAgain");
        box.setDefaultButton(tryAgain);
    }
    QPushButton *without = add(tr("Continue Without History"), QMessageBox::RejectRole, "withoutHistory");
    box.setEscapeButton(without);
    box.exec();
    const QAbstractButton *clicked = box.clickedButton();
    if (clicked && clicked == moveAside)
        return Choice::MoveAside;
    if (clicked && clicked == recover)
        return Choice::Recover;
    if (clicked && clicked == tryAgain)
        return Choice::TryAgain;
    return Choice::WithoutHistory;
}

} // namespace loopscope
