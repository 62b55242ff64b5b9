#include "FetchCommand.h"

#include "BatchLauncher.h"
#include "Engine.h"
#include "History.h"
#include "EngineClock.h"
#include "Format.h"
#include "ResultsFile.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
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

// Milliseconds from a number of seconds (a fraction allowed) up to a day; 0 means no limit.
std::optional<int> secondsOption(const QCommandLineParser &parser, const QString &name, QString &error)
{
    bool ok = false;
    const double seconds = parser.value(name).toDouble(&ok);
    if (!ok || seconds < 0 || seconds > 86'400) {
        error = QStringLiteral("--%1 needs a number of seconds from 0 (no limit) to 86400, not \"%2\"").arg(name, parser.value(name));
        return std::nullopt;
    }
    return int(seconds * 1000);
}

// Creates the folder if needed; its absolute path, so that a resumed batch saves into the same
// place from wherever it runs. Returns what makes it unusable, if anything.
QString prepareOutputDir(const QString &dir, QString &absolute)
{
    if (dir.isEmpty())
        return QStringLiteral("--output-dir needs a folder");
    const bool made = QDir().mkpath(dir);
    const QFileInfo folder(dir);
    if (!made || !folder.isDir())
        return QStringLiteral("--output-dir %1: cannot create the folder").arg(dir);
    if (!folder.isWritable())
        return QStringLiteral("--output-dir %1: the folder is not writable").arg(dir);
    absolute = QDir::cleanPath(folder.absoluteFilePath());
    return {};
}
} // namespace

QString FetchCommand::commandName(Mode mode)
{
    switch (mode) {
    case Mode::Fetch: return QStringLiteral("fetch");
    case Mode::Refire: return QStringLiteral("refire");
    case Mode::Resume: return QStringLiteral("resume");
    }
    return {};
}

std::optional<FetchCommand::Options> FetchCommand::parse(Mode mode, const QStringList &arguments, int &exitCode)
{
    QCommandLineParser parser;
    switch (mode) {
    case Mode::Fetch:
        parser.setApplicationDescription(QStringLiteral(
            "Fetches the URLs listed in FILEs (one per line; '-' or none: standard input) concurrently."));
        break;
    case Mode::Refire:
        parser.setApplicationDescription(QStringLiteral(
            "Fetches again the URLs that failed with a 5xx status in RESULTS (a --jsonl file), as a new batch whose\n"
            "records name the task each retries (retry_of), written to --jsonl (default: RESULTS.refire.jsonl)."));
        break;
    case Mode::Resume:
        parser.setApplicationDescription(QStringLiteral(
            "Runs the tasks that a Loopscope process left queued or running when it ended unexpectedly\n"
            "(crash, power cut, SIGKILL); tasks that had finished are not fetched again."));
        break;
    }
    const QCommandLineOption concurrency({QStringLiteral("j"), QStringLiteral("concurrency")},
                                         QStringLiteral("Workers fetching at once (default 8)."), QStringLiteral("N"),
                                         QStringLiteral("8"));
    const QCommandLineOption perHost(QStringLiteral("per-host"), QStringLiteral("Running tasks per host at most (default 6)."),
                                     QStringLiteral("N"), QStringLiteral("6"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
                                     QStringLiteral("Seconds allowed for each attempt, start to end (default 30; 0: no limit)."),
                                     QStringLiteral("SECONDS"), QStringLiteral("30"));
    const QCommandLineOption idleTimeout(QStringLiteral("idle-timeout"),
                                         QStringLiteral("Seconds an attempt may receive nothing (default 15; 0: no limit)."),
                                         QStringLiteral("SECONDS"), QStringLiteral("15"));
    const QCommandLineOption retries(QStringLiteral("retries"),
                                     QStringLiteral("Further attempts after a network error, timeout, 5xx, 408 or 429 (default 2)."),
                                     QStringLiteral("N"), QStringLiteral("2"));
    const QCommandLineOption maxSize(QStringLiteral("max-size"),
                                     QStringLiteral("Fail a response larger than BYTES (default 0: no limit)."),
                                     QStringLiteral("BYTES"), QStringLiteral("0"));
    const QCommandLineOption jsonl(QStringLiteral("jsonl"), QStringLiteral("Write one JSON record per finished task to PATH."),
                                   QStringLiteral("PATH"));
    const QCommandLineOption outputDir(QStringLiteral("output-dir"),
                                       QStringLiteral("Save each body into DIR (created if missing), named from the response or the URL."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption overwrite(QStringLiteral("overwrite"),
                                       QStringLiteral("Replace existing files in --output-dir instead of saving as \"name (1).ext\"."));
    const QCommandLineOption quiet({QStringLiteral("q"), QStringLiteral("quiet")},
                                   QStringLiteral("Print only errors."));
    const QCommandLineOption notifyEmail(QStringLiteral("notify-email"),
                                         QStringLiteral("E-mail a summary to ADDR when the batch ends (repeatable)."), QStringLiteral("ADDR"));
    const QCommandLineOption smtp(QStringLiteral("smtp"),
                                  QStringLiteral("Mail server: smtp[s]://[user@]host[:port]; the password comes from LOOPSCOPE_SMTP_PASSWORD."),
                                  QStringLiteral("URL"));
    const QCommandLineOption from(QStringLiteral("from"), QStringLiteral("Sender of the summary e-mail."), QStringLiteral("ADDR"));
    const QCommandLineOption notifyWebhook(QStringLiteral("notify-webhook"),
                                           QStringLiteral("POST a JSON summary to URL when the batch ends."), QStringLiteral("URL"));
    const QCommandLineOption notifyOn(QStringLiteral("notify-on"),
                                      QStringLiteral("Which batches notify: every (default) or failures."), QStringLiteral("WHEN"),
                                      QStringLiteral("every"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"),
                                    QStringLiteral("Also trust the CA certificates in this PEM file (fetches, mail server, webhook)."),
                                    QStringLiteral("PEM"));
    const QCommandLineOption db(QStringLiteral("db"),
                                QStringLiteral("The history database (default: %1).").arg(History::defaultPath()), QStringLiteral("PATH"));
    parser.addOptions({concurrency, perHost, timeout, idleTimeout, retries, maxSize, outputDir, overwrite, jsonl, quiet, notifyEmail, smtp, from, notifyWebhook, notifyOn, caFile, db});
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    if (mode == Mode::Fetch)
        parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("URL list, '-' for standard input."), QStringLiteral("[FILE|-]..."));
    else if (mode == Mode::Refire)
        parser.addPositionalArgument(QStringLiteral("RESULTS"), QStringLiteral("Records of an earlier run (--jsonl)."));

    QTextStream err(stderr);
    const QString command = u"loopscope "_qs + commandName(mode);
    const auto usageError = [&](const QString &message) {
        err << command << ": " << message << "\nTry '" << command << " --help'.\n";
        exitCode = UsageError;
        return std::nullopt;
    };
    if (!parser.parse(QStringList{command} + arguments))
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
    const auto timeoutMs = secondsOption(parser, timeout.names().first(), error);
    const auto idleTimeoutMs = timeoutMs ? secondsOption(parser, idleTimeout.names().first(), error) : std::nullopt;
    if (!timeoutMs || !idleTimeoutMs)
        return usageError(error);
    bool ok = false;
    const int retryCount = parser.value(retries).toInt(&ok);
    if (!ok || retryCount < 0)
        return usageError(QStringLiteral("--retries needs a whole number from 0, not \"%1\"").arg(parser.value(retries)));
    const qint64 maxBytes = parser.value(maxSize).toLongLong(&ok);
    if (!ok || maxBytes < 0)
        return usageError(QStringLiteral("--max-size needs a number of bytes from 0 (no limit), not \"%1\"").arg(parser.value(maxSize)));

    options.settings.concurrency = *j;
    options.settings.perHost = *h;
    options.settings.timeoutMs = *timeoutMs;
    options.settings.idleTimeoutMs = *idleTimeoutMs;
    options.settings.retries = retryCount;
    options.settings.maxBytes = maxBytes;
    if (parser.isSet(outputDir)) {
        const QString problem = prepareOutputDir(parser.value(outputDir), options.settings.outputDir);
        if (!problem.isEmpty())
            return usageError(problem);
    }
    options.settings.overwrite = parser.isSet(overwrite);
    options.mode = mode;
    options.jsonlPath = parser.value(jsonl);
    options.quiet = parser.isSet(quiet);
    options.dbPath = parser.value(db);
    options.inputs = parser.positionalArguments();
    switch (mode) {
    case Mode::Fetch:
        if (options.inputs.isEmpty())
            options.inputs << QStringLiteral("-");
        break;
    case Mode::Refire:
        if (options.inputs.size() != 1)
            return usageError(QStringLiteral("give one RESULTS file"));
        if (options.jsonlPath.isEmpty()) {
            const QString results = options.inputs.first();
            options.jsonlPath = (results.endsWith(u".jsonl"_qs) ? results.chopped(6) : results) + u".refire.jsonl"_qs;
        }
        break;
    case Mode::Resume:
        if (!options.inputs.isEmpty())
            return usageError(QStringLiteral("takes no files: it resumes what the history holds"));
        break;
    }
    if (!parseNotifications(parser, {notifyEmail, smtp, from, notifyWebhook, notifyOn, caFile}, options.notifications, error))
        return usageError(error);
    options.settings.caCertificates = options.notifications.smtp.extraCaCertificates;
    return options;
}

bool FetchCommand::parseNotifications(const QCommandLineParser &parser, const NotificationOptions &names,
                                      NotificationSettings &settings, QString &error)
{
    const QString when = parser.value(names.notifyOn);
    if (when != u"every" && when != u"failures") {
        error = QStringLiteral("--notify-on takes \"every\" or \"failures\", not \"%1\"").arg(when);
        return false;
    }
    settings.when = when == u"every" ? NotifyWhen::EveryBatch : NotifyWhen::BatchesWithFailures;
    for (const QString &text : parser.values(names.notifyEmail)) {
        QString problem;
        const auto address = parseMailAddress(text, &problem);
        if (!address) {
            error = QStringLiteral("--notify-email \"%1\": %2").arg(text, problem);
            return false;
        }
        settings.recipients << *address;
    }
    if (parser.isSet(names.caFile)) {
        settings.smtp.extraCaCertificates = QSslCertificate::fromPath(parser.value(names.caFile));
        if (settings.smtp.extraCaCertificates.isEmpty()) {
            error = QStringLiteral("--ca-file %1: no PEM certificate could be read").arg(parser.value(names.caFile));
            return false;
        }
    }
    if (settings.sendsEmail()) {
        if (!parser.isSet(names.smtp) || !parser.isSet(names.from)) {
            error = QStringLiteral("--notify-email needs --smtp and --from");
            return false;
        }
        settings.smtp.url = QUrl(parser.value(names.smtp), QUrl::StrictMode);
        settings.smtp.password = qEnvironmentVariable("LOOPSCOPE_SMTP_PASSWORD");
        if (const QString problem = settings.smtp.problem(); !problem.isEmpty()) {
            error = QStringLiteral("--smtp: %1").arg(problem);
            return false;
        }
        QString problem;
        const auto sender = parseMailAddress(parser.value(names.from), &problem);
        if (!sender) {
            error = QStringLiteral("--from \"%1\": %2").arg(parser.value(names.from), problem);
            return false;
        }
        settings.from = *sender;
    }
    if (parser.isSet(names.notifyWebhook)) {
        settings.webhook = QUrl(parser.value(names.notifyWebhook), QUrl::StrictMode);
        if (const QString problem = urlProblem(parser.value(names.notifyWebhook)); !problem.isEmpty()) {
            error = QStringLiteral("--notify-webhook: %1").arg(problem);
            return false;
        }
    }
    return true;
}

FetchCommand::FetchCommand(Engine &engine, Options options)
    : m_engine(engine)
    , m_options(std::move(options))
    , m_prefix(u"loopscope "_qs + commandName(m_options.mode) + u": "_qs)
    , m_out(stdout)
    , m_err(stderr)
    , m_printer(m_out, m_options.quiet)
{
}

FetchCommand::~FetchCommand() = default;

std::optional<UrlList> FetchCommand::readInputs()
{
    UrlList all;
    for (const QString &input : std::as_const(m_options.inputs)) {
        QFile file;
        const bool opened = input == u"-" ? file.open(stdin, QIODevice::ReadOnly) : (file.setFileName(input), file.open(QIODevice::ReadOnly));
        if (!opened) {
            m_err << m_prefix << input << ": " << file.errorString() << Qt::endl;
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
    if (!m_options.jsonlPath.isEmpty()) {
        m_jsonl.setFileName(m_options.jsonlPath);
        if (!m_jsonl.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
            m_err << m_prefix << m_options.jsonlPath << ": " << m_jsonl.errorString() << Qt::endl;
            co_return UsageError;
        }
        m_printer.writeRecordsTo(m_jsonl);
    }
    Result<std::unique_ptr<History>> opened = History::open(m_options.dbPath);
    if (!opened) {
        m_err << m_prefix << opened.error() << Qt::endl;
        co_return UsageError;
    }
    m_history = std::move(opened).value();
    m_history->onFailure(this, [this](const Failure &failure) {
        m_err << m_prefix << failure.message << Qt::endl;
        m_historyFailed = true;
    });
    m_history->follow(m_engine);
    connect(&m_engine, &Engine::updated, this, [this](const EngineUpdate &update) { m_printer.print(update); });
    m_engine.setNotifications(m_options.notifications);

    const std::optional<QList<BatchId>> batches = co_await queueBatches();
    if (!batches)
        co_return UsageError;
    bool allSucceeded = m_rejectedLines == 0;
    for (const BatchId batch : *batches) {
        const BatchRecord result = co_await m_engine.whenBatchFinished(batch);
        if (!m_options.quiet)
            printSummary(result);
        allSucceeded &= result.count(TaskState::Succeeded) == result.total;
    }
    if (m_interrupted)
        co_return Interrupted;
    // A notification never changes a fetch result; a failed one only makes the exit code 1.
    bool notified = true;
    for (const BatchId batch : *batches)
        notified &= reportNotifications(co_await m_engine.whenNotified(batch));
    // Every record has reached the history (or its failure has been printed) before the exit
    // code is chosen: a run whose history is incomplete must not look like a clean one.
    co_await m_history->written();
    if (m_historyFailed)
        co_return HistoryFailed;
    co_return allSucceeded && notified ? AllSucceeded : SomeNotSucceeded;
}

QCoro::Task<std::optional<QList<BatchId>>> FetchCommand::queueBatches()
{
    BatchLauncher launcher(m_engine, m_history.get());
    const auto reportRejected = [this](const QList<RejectedLine> &rejected) {
        for (const RejectedLine &line : rejected)
            m_err << line.toString() << '\n';
        m_err.flush();
        m_rejectedLines += int(rejected.size());
    };
    const auto launched = [this](const BatchLauncher::Launched &batch) -> std::optional<QList<BatchId>> {
        if (!batch.id) {
            m_err << m_prefix << batch.error << Qt::endl;
            return std::nullopt;
        }
        m_printer.follow(batch.id);
        return QList<BatchId>{batch.id};
    };

    switch (m_options.mode) {
    case Mode::Fetch: {
        const std::optional<UrlList> input = readInputs();
        if (!input)
            co_return std::nullopt;
        reportRejected(input->rejected);
        const QString name = m_options.inputs.size() == 1 ? QFileInfo(m_options.inputs.first()).fileName() : QStringLiteral("fetch");
        co_return launched(co_await launcher.launch(name, input->urls, m_options.settings));
    }
    case Mode::Refire: {
        const QString results = m_options.inputs.first();
        QFile file(results);
        if (!file.open(QIODevice::ReadOnly)) {
            m_err << m_prefix << results << ": " << file.errorString() << Qt::endl;
            co_return std::nullopt;
        }
        const ServerErrors failed = readServerErrors(file, results);
        reportRejected(failed.rejected);
        if (failed.urls.isEmpty()) {
            if (!m_options.quiet)
                m_out << "Nothing to refire: no record in " << results << " failed with a 5xx status." << Qt::endl;
            co_return QList<BatchId>{};
        }
        const BatchLauncher::Launched batch = co_await launcher.launch(u"refire of "_qs + QFileInfo(results).fileName(), failed.urls,
                                                                       m_options.settings, failed.retryOf);
        QHash<TaskId, TaskId> retryOf;
        for (qsizetype i = 0; i < batch.taskIds.size(); ++i)
            retryOf.insert(batch.taskIds[i], failed.retryOf[i]);
        m_printer.setRetryOf(retryOf);
        co_return launched(batch);
    }
    case Mode::Resume: {
        const QList<HistoryBatch> orphans = co_await m_history->orphaned();
        QList<BatchId> ids;
        for (const HistoryBatch &batch : orphans)
            ids << batch.id;
        // Not a co_await inside ?: — GCC 12 mishandles the temporaries of such an expression.
        QList<BatchPlan> plans;
        if (!ids.isEmpty())
            plans = co_await launcher.resume(ids);
        if (m_historyFailed) // printed as the history said it, before the futures above finished
            co_return std::nullopt;
        QList<BatchId> resumed;
        for (const BatchPlan &plan : plans) {
            m_printer.follow(plan.id);
            resumed << plan.id;
            if (!m_options.quiet)
                m_out << "Resuming batch " << plan.id << " \"" << plan.name << "\": " << countOf(plan.urls.size(), u"unfinished task"_qs, u"unfinished tasks"_qs)
                      << Qt::endl;
        }
        if (resumed.isEmpty() && !m_options.quiet)
            m_out << "Nothing to resume in " << m_history->path() << '.' << Qt::endl;
        co_return resumed;
    }
    }
    co_return std::nullopt;
}

bool FetchCommand::reportNotifications(const QList<TaskRecord> &notifications)
{
    bool allSent = true;
    for (const TaskRecord &task : notifications) {
        const QString channel = task.url.scheme() == u"mailto" ? QStringLiteral("e-mail to %1").arg(task.url.path())
                                                               : QStringLiteral("webhook %1").arg(task.url.toString());
        if (task.state == TaskState::Succeeded) {
            if (!m_options.quiet)
                m_out << "Notification " << channel << ": sent" << Qt::endl;
        } else {
            allSent = false;
            m_err << m_prefix << "notification " << channel << " failed: " << task.error << Qt::endl;
        }
    }
    return allSent;
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
