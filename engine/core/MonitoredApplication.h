#pragma once

#include "LoopMonitor.h"

namespace loopscope {

// QCoreApplication or QApplication, timing every event delivery for the LoopMonitor of the
// thread it happens on: the application's notify() is where each thread's events pass.
template<typename Application>
class MonitoredApplication : public Application {
public:
    using Application::Application;

    bool notify(QObject *receiver, QEvent *event) override
    {
        const LoopMonitor::DeliveryTiming timing(receiver, event);
        return Application::notify(receiver, event);
    }
};

} // namespace loopscope
