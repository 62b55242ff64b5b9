#pragma once

#include "TaskRecord.h"

#include <QDialog>

namespace loopscope {

// Everything recorded about one task: URLs, timings, attempts, response headers, error and its kind.
class TaskDetailsDialog : public QDialog {
    Q_OBJECT
public:
    explicit TaskDetailsDialog(const TaskRecord &task, QWidget *parent = nullptr);
};

} // namespace loopscope
