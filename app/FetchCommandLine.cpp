#include "FetchCommandLine.h"

#include "History.h"
#include "MailMessage.h"
#include "OptionTable.h"
#include "UrlList.h"

#include <QDir>
#include <QFileInfo>
#include <QSslCertificate>

using namespace loopscope;

namespace {
QString descriptionOf(FetchCommand::Mode mode)
{
    switch (mode) {
    case FetchCommand::Mode::Fetch:
        return QStringLiteral("Fetches the URLs listed in FILEs (one per line; '-' or none: standard input) concurrently.");
    case FetchCommand::Mode::Refire:
        return QStringLiteral(
            "Fetches again the URLs that failed with a 5xx status in RESULTS (a --jsonl file), as a new batch whose\n"
            "records name the task each retries (retry_of), written to --jsonl (default: RESULTS.refire.jsonl).");
    case FetchCommand::Mode::Resume:
        return QStringLiteral(
            "Runs the tasks that a Loopscope process left queued or running when it ended unexpectedly\n"
            "(crash, power cut, SIGKILL); tasks that had finished are not fetched again.");
    }
    return {};
}

// Creates the folder if needed and keeps its absolute path, so that a resumed batch saves into
// the same place from wherever it runs.
Result<> prepareOutputDir(const QString &dir, QString &absolute)
{
    if (dir.isEmpty())
        return Failure{ErrorKind::Invalid, QStringLiteral("--output-dir needs a folder")};
    const bool made = QDir().mkpath(dir);
    const QFileInfo folder(dir);
    if (!made || !folder.isDir())
        return Failure{ErrorKind::Disk, QStringLiteral("--output-dir %1: cannot create the folder").arg(dir)};
    if (!folder.isWritable())
        return Failure{ErrorKind::Disk, QStringLiteral("--output-dir %1: the folder is not writable").arg(dir)};
    absolute = QDir::cleanPath(folder.absoluteFilePath());
    return {};
}

Result<> readNotifyOn(const QString &when, NotificationSettings &settings)
{
    if (when != u"every" && when != u"failures")
        return Failure{ErrorKind::Invalid, QStringLiteral("--notify-on takes \"every\" or \"failures\", not \"%1\"").arg(when)};
    settings.when = when == u"every" ? NotifyWhen::EveryBatch : NotifyWhen::BatchesWithFailures;
    return {};
}

Result<> readRecipient(const QString &text, NotificationSettings &settings)
{
    QString problem;
    const auto address = parseMailAddress(text, &problem);
    if (!address)
        return Failure{ErrorKind::Invalid, QStringLiteral("--notify-email \"%1\": %2").arg(text, problem)};
    settings.recipients << *address;
    return {};
}

// The same CA certificates for the fetches, the mail server and the webhook.
Result<> readCaFile(const QString &path, FetchCommand::Options &options)
{
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(path);
    if (certificates.isEmpty())
        return Failure{ErrorKind::Invalid, QStringLiteral("--ca-file %1: no PEM certificate could be read").arg(path)};
    options.notifications.smtp.extraCaCertificates = certificates;
    options.settings.caCertificates = certificates;
    return {};
}

Result<> readWebhook(const QString &url, NotificationSettings &settings)
{
    settings.webhook = QUrl(url, QUrl::StrictMode);
    if (const QString problem = urlProblem(url); !problem.isEmpty())
        return Failure{ErrorKind::Invalid, QStringLiteral("--notify-webhook: %1").arg(problem)};
    return {};
}

// --smtp and --from matter only when there is an e-mail to send, and then both must be usable.
Result<> readMailServer(const std::optional<QString> &smtpUrl, const std::optional<QString> &from, NotificationSettings &settings)
{
    if (!settings.sendsEmail())
        return {};
    if (!smtpUrl || !from)
        return Failure{ErrorKind::Invalid, QStringLiteral("--notify-email needs --smtp and --from")};
    settings.smtp.url = QUrl(*smtpUrl, QUrl::StrictMode);
    settings.smtp.password = qEnvironmentVariable("LOOPSCOPE_SMTP_PASSWORD");
    if (const QString problem = settings.smtp.problem(); !problem.isEmpty())
        return Failure{ErrorKind::Invalid, QStringLiteral("--smtp: %1").arg(problem)};
    QString problem;
    const auto sender = parseMailAddress(*from, &problem);
    if (!sender)
        return Failure{ErrorKind::Invalid, QStringLiteral("--from \"%1\": %2").arg(*from, problem)};
    settings.from = *sender;
    return {};
}

// What the positional arguments must be for the mode; fills in the default input or results file.
Result<> readPositionalArguments(FetchCommand::Mode mode, const QStringList &inputs, FetchCommand::Options &options)
{
    options.inputs = inputs;
    switch (mode) {
    case FetchCommand::Mode::Fetch:
        if (options.inputs.isEmpty())
            options.inputs << QStringLiteral("-");
        break;
    case FetchCommand::Mode::Refire:
        if (options.inputs.size() != 1)
            return Failure{ErrorKind::Invalid, QStringLiteral("give one RESULTS file")};
        if (options.jsonlPath.isEmpty()) {
            const QString results = options.inputs.first();
            options.jsonlPath = (results.endsWith(u".jsonl"_qs) ? results.chopped(6) : results) + u".refire.jsonl"_qs;
        }
        break;
    case FetchCommand::Mode::Resume:
        if (!options.inputs.isEmpty())
            return Failure{ErrorKind::Invalid, QStringLiteral("takes no files: it resumes what the history holds")};
        break;
    }
    return {};
}
} // namespace

namespace FetchCommandLine {

std::optional<FetchCommand::Options> parse(FetchCommand::Mode mode, const QStringList &arguments, int &exitCode)
{
    FetchCommand::Options options;
    options.mode = mode;
    BatchSettings &settings = options.settings;
    NotificationSettings &notifications = options.notifications;
    std::optional<QString> smtpUrl, from; // checked once the recipients are known
    const auto keep = [](std::optional<QString> &target) {
        return [&target](const QString &value) -> Result<> {
            target = value;
            return {};
        };
    };
    using Option = CommandLineOption;
    OptionTable table(u"loopscope "_qs + FetchCommand::commandName(mode), descriptionOf(mode), {
        {QCommandLineOption({QStringLiteral("j"), QStringLiteral("concurrency")}, QStringLiteral("Workers fetching at once (default 8)."),
                            QStringLiteral("N"), QStringLiteral("8")),
         Option::wholeNumber(settings.concurrency, 1, QStringLiteral("--concurrency needs a positive whole number, not \"%1\""))},
        {QCommandLineOption(QStringLiteral("per-host"), QStringLiteral("Running tasks per host at most (default 6)."),
                            QStringLiteral("N"), QStringLiteral("6")),
         Option::wholeNumber(settings.perHost, 1, QStringLiteral("--per-host needs a positive whole number, not \"%1\""))},
        {QCommandLineOption(QStringLiteral("timeout"), QStringLiteral("Seconds allowed for each attempt, start to end (default 30; 0: no limit)."),
                            QStringLiteral("SECONDS"), QStringLiteral("30")),
         Option::seconds(settings.timeoutMs, QStringLiteral("--timeout needs a number of seconds from 0 (no limit) to 86400, not \"%1\""))},
        {QCommandLineOption(QStringLiteral("idle-timeout"), QStringLiteral("Seconds an attempt may receive nothing (default 15; 0: no limit)."),
                            QStringLiteral("SECONDS"), QStringLiteral("15")),
         Option::seconds(settings.idleTimeoutMs, QStringLiteral("--idle-timeout needs a number of seconds from 0 (no limit) to 86400, not \"%1\""))},
        {QCommandLineOption(QStringLiteral("retries"), QStringLiteral("Further attempts after a network error, timeout, 5xx, 408 or 429 (default 2)."),
                            QStringLiteral("N"), QStringLiteral("2")),
         Option::wholeNumber(settings.retries, 0, QStringLiteral("--retries needs a whole number from 0, not \"%1\""))},
        {QCommandLineOption(QStringLiteral("max-size"), QStringLiteral("Fail a response larger than BYTES (default 0: no limit)."),
                            QStringLiteral("BYTES"), QStringLiteral("0")),
         Option::byteCount(settings.maxBytes, QStringLiteral("--max-size needs a number of bytes from 0 (no limit), not \"%1\""))},
        {QCommandLineOption(QStringLiteral("output-dir"), QStringLiteral("Save each body into DIR (created if missing), named from the response or the URL."),
                            QStringLiteral("DIR")),
         [&settings](const QString &dir) { return prepareOutputDir(dir, settings.outputDir); }},
        {QCommandLineOption(QStringLiteral("overwrite"), QStringLiteral("Replace existing files in --output-dir instead of saving as \"name (1).ext\".")),
         Option::switchOn(settings.overwrite)},
        {QCommandLineOption(QStringLiteral("jsonl"), QStringLiteral("Write one JSON record per finished task to PATH."), QStringLiteral("PATH")),
         Option::text(options.jsonlPath)},
        {QCommandLineOption({QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("Print only errors.")), Option::switchOn(options.quiet)},
        {QCommandLineOption(QStringLiteral("notify-email"), QStringLiteral("E-mail a summary to ADDR when the batch ends (repeatable)."), QStringLiteral("ADDR")),
         [&notifications](const QString &address) { return readRecipient(address, notifications); }, true},
        {QCommandLineOption(QStringLiteral("smtp"), QStringLiteral("Mail server: smtp[s]://[user@]host[:port]; the password comes from LOOPSCOPE_SMTP_PASSWORD."),
                            QStringLiteral("URL")),
         keep(smtpUrl)},
        {QCommandLineOption(QStringLiteral("from"), QStringLiteral("Sender of the summary e-mail."), QStringLiteral("ADDR")), keep(from)},
        {QCommandLineOption(QStringLiteral("notify-webhook"), QStringLiteral("POST a JSON summary to URL when the batch ends."), QStringLiteral("URL")),
         [&notifications](const QString &url) { return readWebhook(url, notifications); }},
        {QCommandLineOption(QStringLiteral("notify-on"), QStringLiteral("Which batches notify: every (default) or failures."), QStringLiteral("WHEN"),
                            QStringLiteral("every")),
         [&notifications](const QString &when) { return readNotifyOn(when, notifications); }},
        {QCommandLineOption(QStringLiteral("ca-file"), QStringLiteral("Also trust the CA certificates in this PEM file (fetches, mail server, webhook)."),
                            QStringLiteral("PEM")),
         [&options](const QString &path) { return readCaFile(path, options); }},
        {QCommandLineOption(QStringLiteral("db"), QStringLiteral("The history database (default: %1).").arg(History::defaultPath()), QStringLiteral("PATH")),
         Option::text(options.dbPath)},
    });
    table.addVersionOption();
    if (mode == FetchCommand::Mode::Fetch)
        table.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("URL list, '-' for standard input."), QStringLiteral("[FILE|-]..."));
    else if (mode == FetchCommand::Mode::Refire)
        table.addPositionalArgument(QStringLiteral("RESULTS"), QStringLiteral("Records of an earlier run (--jsonl)."));

    switch (table.parse(arguments)) {
    case OptionTable::Outcome::Read:
        break;
    case OptionTable::Outcome::Answered:
        exitCode = FetchCommand::AllSucceeded;
        return std::nullopt;
    case OptionTable::Outcome::UsageError:
        exitCode = FetchCommand::UsageError;
        return std::nullopt;
    }
    Result<> checked = readPositionalArguments(mode, table.positionalArguments(), options);
    if (checked)
        checked = readMailServer(smtpUrl, from, notifications);
    if (!checked) {
        table.printUsageError(checked.error());
        exitCode = FetchCommand::UsageError;
        return std::nullopt;
    }
    return options;
}

} // namespace FetchCommandLine
