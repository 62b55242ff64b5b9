#pragma once
// Answering the modal dialogs a window opens: they block in exec(), so the answer is set up
// before the action that opens them, and given from a timer once the dialog is up.
#include <QApplication>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>

// Runs handle() on the next modal dialog of type T that opens.
template<typename T, typename Handle>
void onNextModal(Handle handle)
{
    auto *poll = new QTimer(qApp);
    QObject::connect(poll, &QTimer::timeout, poll, [poll, handle] {
        if (auto *dialog = qobject_cast<T *>(QApplication::activeModalWidget())) {
            poll->deleteLater();
            handle(dialog);
        }
    });
    poll->start(20);
}

inline void answer(QMessageBox::StandardButton button)
{
    onNextModal<QMessageBox>([button](QMessageBox *box) { box->button(button)->click(); });
}
