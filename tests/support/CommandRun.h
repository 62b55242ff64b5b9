#pragma once
// Running the loopscope executable (LOOPSCOPE_BIN) from a test. A command that does not start
// or does not end in time is a failure that says so, not a run that printed nothing and
// exited with -1; unwrap the Result with ASSIGN_OR_FAIL (support/Waits.h).
#include "support/Waits.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

using namespace Qt::StringLiterals;

struct CommandRun {
    int exitCode = -1; // -1 when the process crashed
    QString out;
    QString err;
};

// Runs program with arguments; command names it in failures.
inline loopscope::Result<CommandRun> runCommand(const QString &program, const QStringList &arguments, const QString &command,
                                                const QByteArray &input = {},
                                                const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment(),
                                                int timeoutMs = 120'000)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    if (!process.waitForStarted())
        return loopscope::Failure{loopscope::ErrorKind::Invalid, command + u" did not start: "_s + process.errorString()};
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return loopscope::Failure{loopscope::ErrorKind::Timeout, command + u" did not finish within "_s + waitSeconds(timeoutMs)
                                                                     + u"; its errors: "_s + QString::fromUtf8(process.readAllStandardError())};
    }
    return CommandRun{process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, QString::fromUtf8(process.readAllStandardOutput()),
                      QString::fromUtf8(process.readAllStandardError())};
}

inline loopscope::Result<CommandRun> runLoopscope(const QStringList &arguments, const QByteArray &input = {},
                                                  const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment(),
                                                  int timeoutMs = 120'000)
{
    return runCommand(qEnvironmentVariable("LOOPSCOPE_BIN"), arguments, u"loopscope "_s + arguments.join(u' '), input, environment, timeoutMs);
}
