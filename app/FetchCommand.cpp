#include "FetchCommand.h"

#include "Engine.h"
#include "EngineClock.h"
#include "Format.h"
#include "TaskJson.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QCoroFuture>

#include <cstdio>

using namespace loopscope;

namespace {
std::optional<int> positiveNumber(const QCommandLineParser &parser, const QString &name, QString &error)
{
    bool ok = false;
    const int value = parser.value(name).toInt(&ok);
    if (!ok || value <= 0) {
        error = QStringLiteral("--%1 needs a positive whole number, not \"%2\"").arg(name, parser.value(name));
        return std::nullopt;
    }
    return value;
}
} // namespace

std::optional<FetchCommand::Options> FetchCommand::parse(const QStringList &arguments, int &exitCode)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Fetches the URLs listed in FILEs (one per line; '-' or none: standard input) concurrently."));
    const QCommandLineOption concurrency({QStringLiteral("j"), QStringLiteral("concurrency")},
                                         QStringLiteral("Workers fetching at once (default 8)."), QStringLiteral("N"),
                                         QStringLiteral("8"));
    const QCommandLineOption perHost(QStringLiteral("per-host"), QStringLiteral("Running tasks per host at most (default 6)."),
                                     QStringLiteral("N"), QStringLiteral("6"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
                                     QStringLiteral("Seconds allowed for each attempt (default 30)."),
                                     QStringLiteral("SECONDS"), QStringLiteral("30"));
    const QCommandLineOption retries(QStringLiteral("retries"),
                                     QStringLiteral("Further attempts after a network error, timeout, 5xx, 408 or 429 (default 0)."),
                                     QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption jsonl(QStringLiteral("jsonl"), QStringLiteral("Write one JSON record per finished task to PATH."),
                                   QStringLiteral("PATH"));
    const QCommandLineOption quiet({QStringLiteral("q"), QStringLiteral("quiet")},
                                   QStringLiteral("Print only errors."));
    parser.addOptions({concurrency, perHost, timeout, retries, jsonl, quiet});
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("URL list, '-' for standard input."),
                                 QStringLiteral("[FILE|-]..."));

    QTextStream err(stderr);
    const auto usageError = [&](const QString &message) {
        err << "loopscope fetch: " << message << "\nTry 'loopscope fetch --help'.\n";
        exitCode = UsageError;
        return std::nullopt;
    };
    if (!parser.parse(QStringList{QStringLiteral("loopscope fetch")} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(help)) {
        QTextStream(stdout) << parser.helpText();
        exitCode = AllSucceeded;
        return std::nullopt;
    }
    if (parser.isSet(version)) {
        QTextStream(stdout) << "loopscope " << LOOPSCOPE_VERSION << '\n';
        exitCode = AllSucceeded;
        return std::nullopt;
    }

    Options options;
    QString error;
    const auto j = positiveNumber(parser, concurrency.names().last(), error);
    const auto h = j ? positiveNumber(parser, perHost.names().first(), error) : std::nullopt;
    if (!j || !h)
        return usageError(error);
    bool ok = false;
    const double timeoutSeconds = parser.value(timeout).toDouble(&ok);
    if (!ok || timeoutSeconds <= 0)
        return usageError(QStringLiteral("--timeout needs a positive number of seconds, not \"%1\"").arg(parser.value(timeout)));
    const int retryCount = parser.value(retries).toInt(&ok);
    if (!ok || retryCount < 0)
        return usageError(QStringLiteral("--retries needs a whole number from 0, not \"%1\"").arg(parser.value(retries)));

    options.settings.concurrency = *j;
    options.settings.perHost = *h;
    options.settings.timeoutMs = int(timeoutSeconds * 1000);
    options.settings.retries = retryCount;
    options.jsonlPath = parser.value(jsonl);
    options.quiet = parser.isSet(quiet);
    options.inputs = parser.positionalArguments();
    if (options.inputs.isEmpty())
        options.inputs << QStringLiteral("-");
    return options;
}

FetchCommand::FetchCommand(Engine &engine, Options options)
    : m_engine(engine)
    , m_options(std::move(options))
    , m_out(stdout)
    , m_err(stderr)
{
}

std::optional<UrlList> FetchCommand::readInputs()
{
    UrlList all;
    for (const QString &input : std::as_const(m_options.inputs)) {
        QFile file;
        const bool opened = input == u"-" ? file.open(stdin, QIODevice::ReadOnly) : (file.setFileName(input), file.open(QIODevice::ReadOnly));
        if (!opened) {
            m_err << "loopscope fetch: " << input << ": " << file.errorString() << Qt::endl;
            return std::nullopt;
        }
        all.append(readUrlLines(file, input));
    }
    return all;
}

void FetchCommand::interrupt()
{
    if (m_interrupted)
        return;
    m_interrupted = true;
    m_engine.cancelAll(CancelReason::Shutdown);
}

QCoro::Task<int> FetchCommand::run()
{
    const std::optional<UrlList> input = readInputs();
    if (!input)
        co_return UsageError;
    for (const RejectedLine &line : input->rejected)
        m_err << line.toString() << '\n';
    m_err.flush();

    if (!m_options.jsonlPath.isEmpty()) {
        m_jsonl.setFileName(m_options.jsonlPath);
        if (!m_jsonl.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
            m_err << "loopscope fetch: " << m_options.jsonlPath << ": " << m_jsonl.errorString() << Qt::endl;
            co_return UsageError;
        }
    }

    m_startPrinted.assign(size_t(input->urls.size()), 0);
    m_endPrinted.assign(size_t(input->urls.size()), 0);
    connect(&m_engine, &Engine::updated, this, &FetchCommand::print);
    const QString name = m_options.inputs.size() == 1 ? QFileInfo(m_options.inputs.first()).fileName()
                                                       : QStringLiteral("fetch");
    const BatchId batch = m_engine.addBatch(name, input->urls, m_options.settings);
    const BatchRecord result = co_await m_engine.whenBatchFinished(batch);

    if (!m_options.quiet)
        printSummary(result);
    if (m_interrupted)
        co_return Interrupted;
    const bool allSucceeded = result.count(TaskState::Succeeded) == result.total && input->rejected.isEmpty();
    co_return allSucceeded ? AllSucceeded : SomeNotSucceeded;
}

void FetchCommand::print(const EngineUpdate &update)
{
    for (const BatchRecord &batch : update.batches)
        m_firstTask = batch.firstTask;
    for (const TaskRecord &task : update.tasks)
        printTaskLines(task);
    m_out.flush();
}

void FetchCommand::printTaskLines(const TaskRecord &task)
{
    // Updates are coalesced, so one may carry both the start and the end of a short task.
    const size_t index = size_t(task.id - m_firstTask);
    if (task.startedAt >= 0 && !m_startPrinted[index]) {
        m_startPrinted[index] = 1;
        if (!m_options.quiet)
            m_out << task.worker << " getting URL: " << task.url.toString() << '\n';
    }
    if (!isTerminal(task.state) || m_endPrinted[index])
        return;
    m_endPrinted[index] = 1;
    if (m_jsonl.isOpen()) {
        m_jsonl.write(QJsonDocument(taskToJson(task)).toJson(QJsonDocument::Compact) + '\n');
        m_jsonl.flush();
    }
    if (m_options.quiet || task.startedAt < 0)
        return;
    QString detail;
    if (task.state == TaskState::Succeeded)
        detail = QString::number(task.httpStatus) + u", " + formatBytes(task.bytesReceived);
    else
        detail = stateName(task.state) + u": " + task.error;
    m_out << task.worker << " elapsed time: " << formatSeconds(task.runMs(task.finishedAt)) << " (" << detail << ")\n";
}

void FetchCommand::printSummary(const BatchRecord &batch)
{
    const qint64 now = EngineClock::now();
    m_out << "Succeeded " << batch.count(TaskState::Succeeded) << ", failed " << batch.count(TaskState::Failed)
          << ", cancelled " << batch.count(TaskState::Cancelled) << " of " << batch.total << '\n';
    m_out << "Total elapsed time: " << formatSeconds(batch.elapsedMs(now)) << " (sum of task times "
          << formatSeconds(batch.sumRunMs(now)) << ", " << formatGainAscii(batch.gain(now)) << " from concurrency)"
          << Qt::endl;
}
