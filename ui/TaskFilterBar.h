#pragma once

#include <QWidget>

class QCheckBox;
class QLineEdit;

namespace loopscope {

class CurrentSelection;
class TaskFilterProxy;

// The row above the task table that narrows it: one state or all, text in the URL or the
// error (applied once the user pauses typing), and the selected batch or all batches.
class TaskFilterBar : public QWidget {
    Q_OBJECT
public:
    TaskFilterBar(TaskFilterProxy &filter, const CurrentSelection &selection, QWidget *parent);

    // Selecting a batch narrows the table to it.
    void batchSelectionChanged();

private:
    void applyBatch();

    TaskFilterProxy &m_filter;
    const CurrentSelection &m_selection;
    QLineEdit *m_text;
    QCheckBox *m_allBatches;
};

} // namespace loopscope
