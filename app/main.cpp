#include "Engine.h"
#include "ExportCommand.h"
#include "FetchCommand.h"
#include "FetchCommandLine.h"
#include "History.h"
#include "MonitoredApplication.h"
#include "SignalWatcher.h"

#include <QCoreApplication>
#include <QTimer>
#include <QCoroTask>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {
// %1: how this program was called, so that the examples work as they are.
constexpr auto NoDisplayHelp =
    "loopscope: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open.\n"
    "The same engine runs without a window:\n"
    "  %1 fetch [-j N] [--per-host N] [--timeout SECONDS] [--jsonl PATH] [FILE|-]...\n"
    "  e.g.  printf 'https://example.org/\\n' | %1 fetch -\n"
    "  %1 resume     finishes what a run that ended unexpectedly left\n"
    "See '%1 --help'.\n";

bool hasDisplay()
{
    return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY")
        || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
}

int runFetch(int argc, char **argv, FetchCommand::Mode mode)
{
    // Qt's own event dispatcher rather than GLib's for every loop of the command: with fifty
    // sockets watched, GLib's walk over its sources on each turn costs a tenth of a batch of
    // small responses. Nothing in a command needs GLib's loop.
    qputenv("QT_NO_GLIB", "1");
    loopscope::MonitoredApplication<QCoreApplication> app(argc, argv);
    app.setApplicationName(u"loopscope"_s);
    app.setApplicationVersion(QString::fromLatin1(LOOPSCOPE_VERSION));
    int exitCode = 0;
    const auto options = FetchCommandLine::parse(mode, app.arguments().mid(2), exitCode);
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

// The window is an executable of its own beside this one, so that the commands load no GUI
// libraries: they start sooner and hold less memory. It gets the arguments as they came.
int openWindow(char **argv)
{
    std::error_code failed;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", failed);
    const std::filesystem::path window = (failed ? std::filesystem::path(argv[0]) : self).parent_path() / "loopscope-window";
    execv(window.c_str(), argv);
    std::fprintf(stderr, "loopscope: cannot start the window (%s): %s\n", window.c_str(), std::strerror(errno));
    return 1;
}
} // namespace

int main(int argc, char **argv)
{
    if (argc >= 2 && std::strcmp(argv[1], "fetch") == 0)
        return runFetch(argc, argv, FetchCommand::Mode::Fetch);
    if (argc >= 2 && std::strcmp(argv[1], "refire") == 0)
        return runFetch(argc, argv, FetchCommand::Mode::Refire);
    if (argc >= 2 && std::strcmp(argv[1], "resume") == 0)
        return runFetch(argc, argv, FetchCommand::Mode::Resume);
    if (argc >= 2 && std::strcmp(argv[1], "export") == 0) {
        QCoreApplication app(argc, argv);
        app.setApplicationName(u"loopscope"_s);
        return ExportCommand::run(app.arguments().mid(2));
    }
    if (argc >= 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-v") == 0)) {
        std::printf("loopscope %s\n", LOOPSCOPE_VERSION);
        return 0;
    }
    if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        std::printf("Usage: loopscope [--db PATH] [FILE...]         open the window (with FILEs queued as batches)\n"
                    "       loopscope fetch [options] [FILE|-]...    fetch without a window\n"
                    "       loopscope refire [options] RESULTS.jsonl fetch again what failed with 5xx\n"
                    "       loopscope resume [--db PATH]             finish what a crashed run left\n"
                    "       loopscope export [--db PATH] [--batch ID] [--format jsonl|csv]\n"
                    "       loopscope --version\n"
                    "Each command's --help says more.\n");
        return 0;
    }
    if (!hasDisplay()) {
        std::fputs(QString::fromLatin1(NoDisplayHelp).arg(QString::fromLocal8Bit(argv[0])).toLocal8Bit().constData(), stderr);
        return 1;
    }
    return openWindow(argv);
}
