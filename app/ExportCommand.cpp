#include "ExportCommand.h"

#include "FetchCommand.h"
#include "History.h"
#include "HistoryDatabase.h"
#include "TaskWriter.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

using namespace loopscope;

namespace ExportCommand {

int run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Prints the tasks recorded in the history, as JSON Lines or CSV."));
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("The history database (default: %1).").arg(History::defaultPath()),
                                QStringLiteral("PATH"));
    const QCommandLineOption batch(QStringLiteral("batch"), QStringLiteral("Only this batch's tasks."), QStringLiteral("ID"));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("jsonl (default) or csv."), QStringLiteral("FORMAT"),
                                    QStringLiteral("jsonl"));
    parser.addOptions({db, batch, format});
    const QCommandLineOption help = parser.addHelpOption();
    QTextStream err(stderr);
    const auto usageError = [&err](const QString &message) {
        err << "loopscope export: " << message << "\nTry 'loopscope export --help'.\n";
        return int(FetchCommand::UsageError);
    };
    if (!parser.parse(QStringList{u"loopscope export"_qs} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(help)) {
        QTextStream(stdout) << parser.helpText();
        return FetchCommand::AllSucceeded;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().first()));
    const std::optional<TaskWriter::Format> chosen = TaskWriter::formatNamed(parser.value(format));
    if (!chosen)
        return usageError(QStringLiteral("--format takes jsonl or csv, not \"%1\"").arg(parser.value(format)));
    bool ok = true;
    const BatchId only = parser.isSet(batch) ? parser.value(batch).toULongLong(&ok) : 0;
    if (!ok || (parser.isSet(batch) && only == 0))
        return usageError(QStringLiteral("--batch needs a batch id, not \"%1\"").arg(parser.value(batch)));

    const QString path = parser.isSet(db) ? parser.value(db) : History::defaultPath();
    if (!QFileInfo::exists(path)) {
        err << "loopscope export: no history at " << path << '\n';
        return FetchCommand::UsageError;
    }
    const Result<std::unique_ptr<HistoryDatabase>> opened = HistoryDatabase::open(path);
    if (!opened) {
        err << "loopscope export: " << opened.error() << '\n';
        return FetchCommand::UsageError;
    }
    HistoryDatabase &history = **opened;
    if (only) {
        if (const Result<HistoryBatch> found = history.batch(only); !found) {
            err << "loopscope export: " << found.error() << '\n';
            return FetchCommand::UsageError;
        }
    }
    QFile out;
    if (!out.open(stdout, QIODevice::WriteOnly)) {
        err << "loopscope export: cannot write to standard output\n";
        return FetchCommand::SomeNotSucceeded;
    }
    TaskWriter writer(out, *chosen);
    bool written = true;
    const Result<> read = history.forEachTask(only, [&](const TaskRow &row) { written &= writer.write(row); });
    if (!written) {
        err << "loopscope export: writing failed: " << out.errorString() << '\n';
        return FetchCommand::SomeNotSucceeded;
    }
    // What was read before a damaged page is printed; the exit code says the rest is missing.
    if (!read) {
        err << "loopscope export: " << read.error() << '\n';
        return FetchCommand::HistoryFailed;
    }
    return FetchCommand::AllSucceeded;
}

} // namespace ExportCommand
