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
                                    QStringLiteral("Also trust the CA certificates in this PEM file (mail server, webhook)."),
                                    QStringLiteral("PEM"));
    parser.addOptions({concurrency, perHost, timeout, retries, jsonl, quiet, notifyEmail, smtp, from, notifyWebhook, notifyOn, caFile});
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
    if (!parseNotifications(parser, {notifyEmail, smtp, from, notifyWebhook, notifyOn, caFile}, options.notifications, error))
        return usageError(error);
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
    m_engine.setNotifications(m_options.notifications);
    const QString name = m_options.inputs.size() == 1 ? QFileInfo(m_options.inputs.first()).fileName()
                                                       : QStringLiteral("fetch");
    const BatchId batch = m_engine.addBatch(name, input->urls, m_options.settings);
    const BatchRecord result = co_await m_engine.whenBatchFinished(batch);

    if (!m_options.quiet)
        printSummary(result);
    if (m_interrupted)
        co_return Interrupted;
    // A notification never changes a fetch result; a failed one only makes the exit code 1.
    const bool notified = reportNotifications(co_await m_engine.whenNotified(batch));
    const bool allSucceeded = result.count(TaskState::Succeeded) == result.total && input->rejected.isEmpty();
    co_return allSucceeded && notified ? AllSucceeded : SomeNotSucceeded;
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
            m_err << "loopscope fetch: notification " << channel << " failed: " << task.error << Qt::endl;
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
