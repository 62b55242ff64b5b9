#pragma once

#include "HistoryBatch.h"

#include <QObject>
#include <QCoroTask>

class QWidget;

namespace loopscope {

class BatchLauncher;

// At start-up, offers to resume the batches a crash or a kill left unfinished in the
// history, or to discard them, or to ask again next time.
class ResumePrompt : public QObject {
    Q_OBJECT
public:
    // window: the parent of the question.
    ResumePrompt(BatchLauncher &launcher, QWidget *window);

    QCoro::Task<> offer(); // does nothing without a history

Q_SIGNALS:
    void statusMessage(const QString &text, int timeoutMs);

private:
    enum class Choice { Resume, Discard, Later };
    Choice ask(const QList<HistoryBatch> &orphans);

    BatchLauncher &m_launcher;
    QWidget *m_window;
};

} // namespace loopscope
