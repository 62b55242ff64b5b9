#pragma once

#include "BatchRecord.h"

// The settings the Add URLs dialog last queued with, kept in QSettings: every batch the window
// queues from text, files or the clipboard starts from them.
namespace BatchDefaults {

loopscope::BatchSettings load();
void save(const loopscope::BatchSettings &settings);

} // namespace BatchDefaults
