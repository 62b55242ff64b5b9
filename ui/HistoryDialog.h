#pragma once

#include "BatchRecord.h"
#include "HistoryBatch.h"

#include <QDialog>
#include <QCoroTask>

class QLabel;
class QPushButton;
class QTableView;

namespace loopscope {

class History;
class HistoryModel;

// Past batches from the history: how each ended, and from there run it again, retry what
// failed (linked to the originals), export its records as JSON Lines or CSV, or show it on
// the window's timeline.
class HistoryDialog : public QDialog {
    Q_OBJECT
public:
    HistoryDialog(History &history, QWidget *parent = nullptr);

    QCoro::Task<> refresh();

Q_SIGNALS:
    // A new batch to queue: the URLs, and the task each retries (empty for a plain re-run).
    void queueRequested(const QString &name, const QList<QUrl> &urls, const BatchSettings &settings,
                        const QList<TaskId> &retryOf);
    // The selected batch, to be shown on the timeline.
    void timelineRequested(const loopscope::HistoryBatch &batch);

private:
    enum class Pick { All, Failed };
    QCoro::Task<> queueAgain(Pick pick);
    QCoro::Task<> exportSelected();
    int selectedRow() const;
    void updateButtons();

    History &m_history;
    HistoryModel *m_model;
    QTableView *m_view;
    QLabel *m_status;
    QPushButton *m_rerun;
    QPushButton *m_retryFailed;
    QPushButton *m_export;
    QPushButton *m_timeline;
};

} // namespace loopscope
