#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

namespace loopscope {

// One event, slot or coroutine resumption that held a loop longer than the loop's threshold.
struct SlowCallback {
    QString loop;   // "worker loop", "GUI loop"
    qint64 at = -1; // EngineClock milliseconds at which it began
    double ms = 0;  // how long it held the loop
    QString what;   // "HistoryRecorder::flush", "task 17", "QTimer \"refresh\": timer"
};

// How healthy a loop has been over the last LoopMonitor::WindowMs: how late its timer fired.
struct LoopReport {
    QString loop;
    qint64 at = -1; // EngineClock milliseconds
    double lagP50Ms = 0;
    double lagP99Ms = 0;
    double lagMaxMs = 0;
    int slowCallbacks = 0; // since the loop started
};

} // namespace loopscope

Q_DECLARE_METATYPE(loopscope::SlowCallback)
Q_DECLARE_METATYPE(loopscope::LoopReport)
