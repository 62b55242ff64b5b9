#pragma once

#include "TaskState.h"

#include <QIcon>

namespace loopscope {

// Icons ship as SVG in resources/icons; the desktop theme stands in where one is missing.
QIcon themedIcon(const QString &resourceName, const QString &themeName);
QIcon stateIcon(TaskState state);

} // namespace loopscope
