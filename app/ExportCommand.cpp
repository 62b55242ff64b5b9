#include "ExportCommand.h"

#include "FetchCommand.h"
#include "History.h"
#include "HistoryDatabase.h"
#include "OptionTable.h"
#include "TaskWriter.h"

#include <QFile>
#include <QFileInfo>
#include <QTextStream>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace ExportCommand {

int run(const QStringList &arguments)
{
    QString path = History::defaultPath();
    BatchId only = 0; // 0: every batch
    std::optional<TaskWriter::Format> format;
    OptionTable table(u"loopscope export"_s, u"Prints the tasks recorded in the history, as JSON Lines or CSV."_s, {
        {QCommandLineOption(u"db"_s, u"The history database (default: %1)."_s.arg(History::defaultPath()),
                            u"PATH"_s),
         CommandLineOption::text(path)},
        {QCommandLineOption(u"batch"_s, u"Only this batch's tasks."_s, u"ID"_s),
         [&only](const QString &id) -> Result<> {
             bool ok = false;
             only = id.toULongLong(&ok);
             if (!ok || only == 0)
                 return Failure{ErrorKind::Invalid, u"--batch needs a batch id, not \"%1\""_s.arg(id)};
             return {};
         }},
        {QCommandLineOption(u"format"_s, u"jsonl (default) or csv."_s, u"FORMAT"_s,
                            u"jsonl"_s),
         [&format](const QString &name) -> Result<> {
             format = TaskWriter::formatNamed(name);
             if (!format)
                 return Failure{ErrorKind::Invalid, u"--format takes jsonl or csv, not \"%1\""_s.arg(name)};
             return {};
         }},
    });
    switch (table.parse(arguments)) {
    case OptionTable::Outcome::Read:
        break;
    case OptionTable::Outcome::Answered:
        return FetchCommand::AllSucceeded;
    case OptionTable::Outcome::UsageError:
        return FetchCommand::UsageError;
    }
    if (!table.positionalArguments().isEmpty()) {
        table.printUsageError(u"unexpected argument \"%1\""_s.arg(table.positionalArguments().first()));
        return FetchCommand::UsageError;
    }

    QTextStream err(stderr);
    if (!QFileInfo::exists(path)) {
        err << "loopscope export: no history at " << path << '\n';
        return FetchCommand::UsageError;
    }
    const Result<std::unique_ptr<HistoryDatabase>> opened = HistoryDatabase::open(path, HistoryDatabase::Access::ReadOnly);
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
    TaskWriter writer(out, *format); // --format has a default, so it was read
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
