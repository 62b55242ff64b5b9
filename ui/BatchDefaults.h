#pragma once

#include "BatchRecord.h"

namespace loopscope {

// The settings the Add URLs dialog last queued with, kept in QSettings: every batch the window
// queues from text, files or the clipboard starts from them.
namespace BatchDefaults {

BatchSettings load();
void save(const BatchSettings &settings);

} // namespace BatchDefaults

} // namespace loopscope
