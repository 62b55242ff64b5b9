#pragma once

#include "TaskRecord.h"

#include <QDialog>

// Everything recorded about one task: URLs, timings, attempts, response headers, error and its kind.
class TaskDetailsDialog : public QDialog {
    Q_OBJECT
public:
    explicit TaskDetailsDialog(const loopscope::TaskRecord &task, QWidget *parent = nullptr);
};
