#pragma once

#include <QMainWindow>

namespace loopscope {
class Engine;
}

// The monitor's main window. It renders engine updates and sends commands; it never touches
// worker-side objects.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(loopscope::Engine &engine, QWidget *parent = nullptr);

private:
    loopscope::Engine &m_engine;
};
