#pragma once

#include "TaskRecord.h"

#include <QJsonObject>

namespace loopscope {

// The one JSON shape of a finished task, shared by --jsonl and export.
QJsonObject taskToJson(const TaskRecord &task);

} // namespace loopscope
