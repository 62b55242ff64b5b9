#include "MainWindow.h"

#include "Engine.h"

#include <QLabel>

MainWindow::MainWindow(loopscope::Engine &engine, QWidget *parent)
    : QMainWindow(parent)
    , m_engine(engine)
{
    setWindowTitle(QStringLiteral("Loopscope"));
    setCentralWidget(new QLabel(tr("No batches yet."), this));
    resize(960, 600);
}
