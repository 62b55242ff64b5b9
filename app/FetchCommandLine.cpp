#include "FetchCommandLine.h"

#include "History.h"
#include "MailMessage.h"
#include "OptionTable.h"
#include "UrlList.h"

#include <QDir>
#include <QFileInfo>
#include <QSslCertificate>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
QString descriptionOf(FetchCommand::Mode mode)
{
    switch (mode) {
    case FetchCommand::Mode::Fetch:
        return u"Fetches the URLs listed in FILEs (one per line; '-' or none: standard input) concurrently."_s;
    case FetchCommand::Mode::Refire:
        return
            u"Fetches again the URLs that failed with a 5xx status in RESULTS (a --jsonl file), as a new batch whose\n"
            "records name the task each retries (retry_of), written to --jsonl (default: RESULTS.refire.jsonl)."_s;
    case FetchCommand::Mode::Resume:
        return
            u"Runs the tasks that a Loopscope process left queued or running when it ended unexpectedly\n"
            "(crash, power cut, SIGKILL); tasks that had finished are not fetched again."_s;
    }
    return {};
}

// Creates the folder if needed and keeps its absolute path, so that a resumed batch saves into
// the same place from wherever it runs.
Result<> prepareOutputDir(const QString &dir, QString &absolute)
{
    if (dir.isEmpty())
        return Failure{ErrorKind::Invalid, u"--output-dir needs a folder"_s};
    const bool made = QDir().mkpath(dir);
    const QFileInfo folder(dir);
    if (!made || !folder.isDir())
        return Failure{ErrorKind::Disk, u"--output-dir %1: cannot create the folder"_s.arg(dir)};
    if (!folder.isWritable())
        return Failure{ErrorKind::Disk, u"--output-dir %1: the folder is not writable"_s.arg(dir)};
    absolute = QDir::cleanPath(folder.absoluteFilePath());
    return {};
}

Result<> readNotifyOn(const QString &when, NotificationSettings &settings)
{
    if (when != u"every" && when != u"failures")
        return Failure{ErrorKind::Invalid, u"--notify-on takes \"every\" or \"failures\", not \"%1\""_s.arg(when)};
    settings.when = when == u"every" ? NotifyWhen::EveryBatch : NotifyWhen::BatchesWithFailures;
    return {};
}

Result<> readRecipient(const QString &text, NotificationSettings &settings)
{
    const Result<MailAddress> address = parseMailAddress(text);
    if (!address)
        return Failure{ErrorKind::Invalid, u"--notify-email \"%1\": %2"_s.arg(text, address.error())};
    settings.recipients << *address;
    return {};
}

// The same CA certificates for the fetches, the mail server and the webhook.
Result<> readCaFile(const QString &path, FetchCommand::Options &options)
{
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(path);
    if (certificates.isEmpty())
        return Failure{ErrorKind::Invalid, u"--ca-file %1: no PEM certificate could be read"_s.arg(path)};
    options.notifications.smtp.extraCaCertificates = certificates;
    options.settings.caCertificates = certificates;
    return {};
}

Result<> readWebhook(const QString &url, NotificationSettings &settings)
{
    const Result<QUrl> checked = fetchableUrl(url);
    if (!checked)
        return Failure{ErrorKind::Invalid, u"--notify-webhook: %1"_s.arg(checked.error())};
    settings.webhook = *checked;
    return {};
}

Result<> readProxy(const QString &url, BatchSettings &settings)
{
    const QUrl proxy(url, QUrl::StrictMode);
    if (!proxy.isValid() || proxy.host().isEmpty() || (proxy.scheme() != u"http" && proxy.scheme() != u"https"))
        return Failure{ErrorKind::Invalid, u"--proxy needs an http:// or https:// URL with a host, not \"%1\""_s.arg(url)};
    settings.proxy = url;
    return {};
}

// --smtp and --from matter only when there is an e-mail to send, and then both must be usable.
Result<> readMailServer(const std::optional<QString> &smtpUrl, const std::optional<QString> &from, NotificationSettings &settings)
{
    if (!settings.sendsEmail())
        return {};
    if (!smtpUrl || !from)
        return Failure{ErrorKind::Invalid, u"--notify-email needs --smtp and --from"_s};
    settings.smtp.url = QUrl(*smtpUrl, QUrl::StrictMode);
    settings.smtp.password = qEnvironmentVariable("LOOPSCOPE_SMTP_PASSWORD");
    if (const Result<> usable = settings.smtp.checkUrl(); !usable)
        return Failure{ErrorKind::Invalid, u"--smtp: %1"_s.arg(usable.error())};
    const Result<MailAddress> sender = parseMailAddress(*from);
    if (!sender)
        return Failure{ErrorKind::Invalid, u"--from \"%1\": %2"_s.arg(*from, sender.error())};
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
            options.inputs << u"-"_s;
        break;
    case FetchCommand::Mode::Refire:
        if (options.inputs.size() != 1)
            return Failure{ErrorKind::Invalid, u"give one RESULTS file"_s};
        if (options.jsonlPath.isEmpty()) {
            const QString results = options.inputs.first();
            options.jsonlPath = (results.endsWith(u".jsonl"_s) ? results.chopped(6) : results) + u".refire.jsonl"_s;
        }
        break;
    case FetchCommand::Mode::Resume:
        if (!options.inputs.isEmpty())
            return Failure{ErrorKind::Invalid, u"takes no files: it resumes what the history holds"_s};
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
    OptionTable table(u"loopscope "_s + FetchCommand::commandName(mode), descriptionOf(mode), {
        {QCommandLineOption({u"j"_s, u"concurrency"_s}, u"Workers fetching at once (default 8)."_s,
                            u"N"_s, u"8"_s),
         Option::wholeNumber(settings.concurrency, 1, u"--concurrency needs a positive whole number, not \"%1\""_s)},
        {QCommandLineOption(u"per-host"_s, u"Running tasks per host at most (default: as many as --concurrency)."_s,
                            u"N"_s),
         Option::wholeNumber(settings.perHost, 1, u"--per-host needs a positive whole number, not \"%1\""_s)},
        {QCommandLineOption(u"timeout"_s, u"Seconds allowed for each attempt, start to end (default 30; 0: no limit)."_s,
                            u"SECONDS"_s, u"30"_s),
         Option::seconds(settings.timeoutMs, u"--timeout needs a number of seconds from 0 (no limit) to 86400, not \"%1\""_s)},
        {QCommandLineOption(u"idle-timeout"_s, u"Seconds an attempt may receive nothing (default 15; 0: no limit)."_s,
                            u"SECONDS"_s, u"15"_s),
         Option::seconds(settings.idleTimeoutMs, u"--idle-timeout needs a number of seconds from 0 (no limit) to 86400, not \"%1\""_s)},
        {QCommandLineOption(u"retries"_s, u"Further attempts after a network error, timeout, 5xx, 408 or 429 (default 2)."_s,
                            u"N"_s, u"2"_s),
         Option::wholeNumber(settings.retries, 0, u"--retries needs a whole number from 0, not \"%1\""_s)},
        {QCommandLineOption(u"max-size"_s, u"Fail a response larger than BYTES (default 0: no limit)."_s,
                            u"BYTES"_s, u"0"_s),
         Option::byteCount(settings.maxBytes, u"--max-size needs a number of bytes from 0 (no limit), not \"%1\""_s)},
        {QCommandLineOption(u"limit-rate"_s, u"Bytes per second the batch may receive, in all (k, M, G: ×1024; default 0: no limit)."_s,
                            u"RATE"_s),
         Option::rate(settings.limitRate, u"--limit-rate needs bytes per second such as 500k or 2M, not \"%1\""_s)},
        {QCommandLineOption(u"proxy"_s, u"Fetch through this HTTP proxy: http://[user:password@]host[:port] (default: the"
                                        " http_proxy, https_proxy and no_proxy variables)."_s,
                            u"URL"_s),
         [&settings](const QString &url) { return readProxy(url, settings); }},
        {QCommandLineOption(u"http1.1"_s, u"Speak HTTP/1.1 only (default: HTTP/2 where the server offers it over TLS)."_s),
         Option::switchOn(settings.http11)},
        {QCommandLineOption(u"output-dir"_s, u"Save each body into DIR (created if missing), named from the response or the URL."_s,
                            u"DIR"_s),
         [&settings](const QString &dir) { return prepareOutputDir(dir, settings.outputDir); }},
        {QCommandLineOption(u"overwrite"_s, u"Replace existing files in --output-dir instead of saving as \"name (1).ext\"."_s),
         Option::switchOn(settings.overwrite)},
        {QCommandLineOption(u"jsonl"_s, u"Write one JSON record per finished task to PATH."_s, u"PATH"_s),
         Option::text(options.jsonlPath)},
        {QCommandLineOption({u"q"_s, u"quiet"_s}, u"Print only errors."_s), Option::switchOn(options.quiet)},
        {QCommandLineOption(u"notify-email"_s, u"E-mail a summary to ADDR when the batch ends (repeatable)."_s, u"ADDR"_s),
         [&notifications](const QString &address) { return readRecipient(address, notifications); }, true},
        {QCommandLineOption(u"smtp"_s, u"Mail server: smtp[s]://[user@]host[:port]; the password comes from LOOPSCOPE_SMTP_PASSWORD."_s,
                            u"URL"_s),
         keep(smtpUrl)},
        {QCommandLineOption(u"from"_s, u"Sender of the summary e-mail."_s, u"ADDR"_s), keep(from)},
        {QCommandLineOption(u"notify-webhook"_s, u"POST a JSON summary to URL when the batch ends."_s, u"URL"_s),
         [&notifications](const QString &url) { return readWebhook(url, notifications); }},
        {QCommandLineOption(u"notify-on"_s, u"Which batches notify: every (default) or failures."_s, u"WHEN"_s,
                            u"every"_s),
         [&notifications](const QString &when) { return readNotifyOn(when, notifications); }},
        {QCommandLineOption(u"ca-file"_s, u"Also trust the CA certificates in this PEM file (fetches, mail server, webhook)."_s,
                            u"PEM"_s),
         [&options](const QString &path) { return readCaFile(path, options); }},
        {QCommandLineOption(u"stats"_s, u"At the end, print p50, p90, p99 and max of each phase of the attempts (dns, connect, tls,"
                                        " first byte, transfer, total), the HTTP statuses and errors, and per host."_s),
         Option::switchOn(options.stats)},
        {QCommandLineOption(u"slow-callback"_s, u"Warn of each callback that holds the worker or main loop MS milliseconds or more."_s,
                            u"MS"_s),
         Option::wholeNumber(options.slowCallbackMs, 1, u"--slow-callback needs a positive whole number of milliseconds, not \"%1\""_s)},
        {QCommandLineOption(u"trace"_s, u"Write the run to PATH as a Chrome trace (Perfetto, chrome://tracing): workers, tasks"
                                        " and their phases, loop lag."_s,
                            u"PATH"_s),
         Option::text(options.tracePath)},
        {QCommandLineOption(u"db"_s, u"The history database (default: %1)."_s.arg(History::defaultPath()), u"PATH"_s),
         Option::text(options.dbPath)},
    });
    table.addVersionOption();
    if (mode == FetchCommand::Mode::Fetch)
        table.addPositionalArgument(u"FILE"_s, u"URL list, '-' for standard input."_s, u"[FILE|-]..."_s);
    else if (mode == FetchCommand::Mode::Refire)
        table.addPositionalArgument(u"RESULTS"_s, u"Records of an earlier run (--jsonl)."_s);

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
