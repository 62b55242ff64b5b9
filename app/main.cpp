#include "Engine.h"
#include "FetchCommand.h"
#include "MainWindow.h"
#include "SignalWatcher.h"

#include <QApplication>
#include <QTimer>
#include <QCoroTask>

#include <cstdio>
#include <cstring>

namespace {
constexpr auto NoDisplayHelp =
    "loopscope: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open.\n"
    "The same engine runs without a window:\n"
    "  loopscope fetch [-j N] [--per-host N] [--timeout SECONDS] [--jsonl PATH] [FILE|-]...\n"
    "  e.g.  printf 'https://example.org/\\n' | loopscope fetch -\n"
    "See 'loopscope fetch --help'.\n";

bool hasDisplay()
{
    return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY")
        || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
}

int runFetch(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    app.setApplicationName(QStringLiteral("loopscope"));
    app.setApplicationVersion(QStringLiteral(LOOPSCOPE_VERSION));
    int exitCode = 0;
    const auto options = FetchCommand::parse(app.arguments().mid(2), exitCode);
    if (!options)
        return exitCode;

    loopscope::Engine engine;
    FetchCommand command(engine, *options);
    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::received, &command, &FetchCommand::interrupt);
    QTimer::singleShot(0, &command, [&command]() -> QCoro::Task<> {
        QCoreApplication::exit(co_await command.run());
    });
    return app.exec();
}

int runWindow(int argc, char **argv)
{
    QApplication app(argc, argv);
    app.setApplicationName(QStringLiteral("loopscope"));
    app.setApplicationDisplayName(QStringLiteral("Loopscope"));
    app.setApplicationVersion(QStringLiteral(LOOPSCOPE_VERSION));
    app.setDesktopFileName(QStringLiteral("loopscope"));
    app.setOrganizationName(QStringLiteral("loopscope"));

    loopscope::Engine engine;
    MainWindow window(engine);
    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::received, &window, &MainWindow::quitNow);
    window.show();
    window.importFiles(app.arguments().mid(1));
    return app.exec(); // the engine then shuts down: every task recorded, the worker joined
}
} // namespace

int main(int argc, char **argv)
{
    if (argc >= 2 && std::strcmp(argv[1], "fetch") == 0)
        return runFetch(argc, argv);
    if (argc >= 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-v") == 0)) {
        std::printf("loopscope %s\n", LOOPSCOPE_VERSION);
        return 0;
    }
    if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        std::printf("Usage: loopscope [FILE...]        open the window (with FILEs queued as batches)\n"
                    "       loopscope fetch [options] [FILE|-]...   fetch without a window\n"
                    "       loopscope --version\n");
        return 0;
    }
    if (!hasDisplay()) {
        std::fputs(NoDisplayHelp, stderr);
        return 1;
    }
    return runWindow(argc, argv);
}
