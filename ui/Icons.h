#pragma once

#include "TaskState.h"

#include <QIcon>

// Icons ship as SVG in resources/icons; the desktop theme stands in where one is missing.
QIcon themedIcon(const QString &resourceName, const QString &themeName);
QIcon stateIcon(loopscope::TaskState state);
