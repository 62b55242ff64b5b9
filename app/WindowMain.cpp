#include "Engine.h"
#include "History.h"
#include "HistoryTroublePrompt.h"
#include "MainWindow.h"
#include "MonitoredApplication.h"
#include "SignalWatcher.h"

#include <QApplication>
#include <QStatusBar>

using namespace Qt::StringLiterals;

// The window, as `loopscope` starts it when no command is given: loopscope [--db PATH] [FILE...]
int main(int argc, char **argv)
{
    loopscope::MonitoredApplication<QApplication> app(argc, argv);
    app.setApplicationName(u"loopscope"_s);
    app.setApplicationDisplayName(u"Loopscope"_s);
    app.setApplicationVersion(QString::fromLatin1(LOOPSCOPE_VERSION));
    app.setDesktopFileName(u"loopscope"_s);
    app.setOrganizationName(u"loopscope"_s);
    // The GUI thread keeps GLib's dispatcher, which desktop integration may rely on; the engine's
    // threads, started below, take Qt's own, which costs far less per turn with many sockets.
    qputenv("QT_NO_GLIB", "1");

    // "--db PATH" first: another history than the user's own.
    QStringList files = app.arguments().mid(1);
    QString dbPath;
    if (files.size() >= 2 && files.first() == u"--db") {
        dbPath = files.at(1);
        files = files.mid(2);
    }
    loopscope::HistoryTroublePrompt::Opened opened = loopscope::HistoryTroublePrompt::open(dbPath, nullptr);
    const std::unique_ptr<loopscope::History> history = std::move(opened.history);
    loopscope::Engine engine; // after the history, so that it shuts down first and its last changes are recorded
    if (history)
        history->follow(engine);
    loopscope::MainWindow window(engine, history.get());
    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::received, &window, &loopscope::MainWindow::quitNow);
    window.show();
    if (!opened.message.isEmpty())
        window.statusBar()->showMessage(opened.message);
    window.importFiles(files);
    return app.exec(); // the engine then shuts down: every task recorded, the worker joined
}
