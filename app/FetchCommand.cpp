#include "FetchCommand.h"

#include "BatchLauncher.h"
#include "Engine.h"
#include "History.h"
#include "EngineClock.h"
#include "Format.h"
#include "LoopMonitor.h"
#include "PhaseStats.h"
#include "ResultsFile.h"
#include "TraceRecorder.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QCoroFuture>

#include <cstdio>

using namespace Qt::StringLiterals;

using namespace loopscope;

QString FetchCommand::commandName(Mode mode)
{
    switch (mode) {
    case Mode::Fetch: return u"fetch"_s;
    case Mode::Refire: return u"refire"_s;
    case Mode::Resume: return u"resume"_s;
    }
    return {};
}

FetchCommand::FetchCommand(Engine &engine, Options options)
    : m_engine(engine)
    , m_options(std::move(options))
    , m_prefix(u"loopscope "_s + commandName(m_options.mode) + u": "_s)
    , m_out(stdout)
    , m_err(stderr)
    , m_printer(m_out, m_options.quiet)
{
    if (m_options.slowCallbackMs > 0 || !m_options.tracePath.isEmpty())
        watchLoops();
}

FetchCommand::~FetchCommand() = default;

// The worker loop, where the batch runs, and this one, which prints and records: their slow
// callbacks printed, and with the tasks, recorded for the trace.
void FetchCommand::watchLoops()
{
    m_mainLoop = std::make_unique<LoopMonitor>(u"main loop"_s);
    if (m_options.slowCallbackMs > 0) {
        m_engine.setSlowCallbackThreshold(m_options.slowCallbackMs);
        m_engine.observeSlowCallbacks(this, [this](const SlowCallback &callback) { printSlowCallback(callback); });
        m_mainLoop->setThreshold(m_options.slowCallbackMs);
        connect(m_mainLoop.get(), &LoopMonitor::slowCallback, this, &FetchCommand::printSlowCallback);
    }
    if (!m_options.tracePath.isEmpty()) {
        m_trace = std::make_unique<TraceRecorder>(m_engine);
        m_trace->follow(*m_mainLoop);
    }
    m_mainLoop->start();
}

bool FetchCommand::writeTrace(const QList<BatchId> &batches)
{
    if (!m_trace)
        return true;
    const QByteArray trace = m_trace->trace(batches);
    if (m_traceFile.write(trace) != trace.size() || !m_traceFile.flush()) {
        m_err << m_prefix << m_options.tracePath << ": " << m_traceFile.errorString() << Qt::endl;
        return false;
    }
    m_traceFile.close();
    return true;
}

void FetchCommand::printSlowCallback(const SlowCallback &callback)
{
    m_err << callback.loop << ": callback took " << QString::number(callback.ms / 1000, 'f', 2) << " s: " << callback.what << Qt::endl;
}

std::optional<UrlList> FetchCommand::readInputs()
{
    const LoopMonitor::Activity activity("reading the URL lists");
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
    if (m_trace) {
        m_traceFile.setFileName(m_options.tracePath);
        if (!m_traceFile.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            m_err << m_prefix << m_options.tracePath << ": " << m_traceFile.errorString() << Qt::endl;
            co_return UsageError;
        }
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
    if (m_options.stats)
        m_stats = std::make_unique<PhaseStats>();
    connect(&m_engine, &Engine::updated, this, [this](const EngineUpdate &update) {
        m_printer.print(update);
        takeStats(update);
    });
    m_engine.setNotifications(m_options.notifications);
    // The printer, the results file and the history take in starts and ends only.
    m_engine.setQueuedTasksAnnounced(false);

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
    printStats();
    if (m_interrupted)
        co_return writeTrace(*batches) ? Interrupted : UsageError;
    // A notification never changes a fetch result; a failed one only makes the exit code 1.
    bool notified = true;
    for (const BatchId batch : *batches)
        notified &= reportNotifications(co_await m_engine.whenNotified(batch));
    const bool traced = writeTrace(*batches);
    // Every record has reached the history (or its failure has been printed) before the exit
    // code is chosen: a run whose history is incomplete must not look like a clean one.
    co_await m_history->written();
    if (m_historyFailed || !traced)
        co_return HistoryFailed;
    co_return allSucceeded && notified ? AllSucceeded : SomeNotSucceeded;
}

QCoro::Task<std::optional<QList<BatchId>>> FetchCommand::queueBatches()
{
    BatchLauncher launcher(m_engine, m_history.get());
    // A file that is no list at all (a binary, a log) would otherwise fill the terminal.
    const auto reportRejected = [this](const QList<RejectedLine> &rejected, qsizetype count) {
        constexpr qsizetype MaxShown = 100;
        for (const RejectedLine &line : rejected.first(std::min(rejected.size(), MaxShown)))
            m_err << line.toString() << '\n';
        if (count > MaxShown)
            m_err << m_prefix << formatNumber(count - MaxShown) << " more lines rejected, not shown\n";
        m_err.flush();
        m_rejectedLines += count;
    };
    const auto launched = [this](const Result<BatchLauncher::Launched> &batch) -> std::optional<QList<BatchId>> {
        if (!batch) {
            m_err << m_prefix << batch.error() << Qt::endl;
            return std::nullopt;
        }
        m_printer.follow(batch->id);
        return QList<BatchId>{batch->id};
    };

    switch (m_options.mode) {
    case Mode::Fetch: {
        const std::optional<UrlList> input = readInputs();
        if (!input)
            co_return std::nullopt;
        reportRejected(input->rejected, input->rejectedCount);
        const QString name = m_options.inputs.size() == 1 ? QFileInfo(m_options.inputs.first()).fileName() : u"fetch"_s;
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
        reportRejected(failed.rejected, failed.rejected.size());
        if (failed.urls.isEmpty()) {
            if (!m_options.quiet)
                m_out << "Nothing to refire: no record in " << results << " failed with a 5xx status." << Qt::endl;
            co_return QList<BatchId>{};
        }
        const Result<BatchLauncher::Launched> batch = co_await launcher.launch(u"refire of "_s + QFileInfo(results).fileName(), failed.urls,
                                                                               m_options.settings, failed.retryOf);
        if (batch) {
            QHash<TaskId, TaskId> retryOf;
            for (qsizetype i = 0; i < batch->taskIds.size(); ++i)
                retryOf.insert(batch->taskIds[i], failed.retryOf[i]);
            m_printer.setRetryOf(retryOf);
        }
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
                m_out << "Resuming batch " << plan.id << " \"" << plan.name << "\": " << countOf(plan.urls.size(), u"unfinished task"_s, u"unfinished tasks"_s)
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
        const QString channel = task.url.scheme() == u"mailto" ? u"e-mail to %1"_s.arg(task.url.path())
                                                               : u"webhook %1"_s.arg(task.url.toString());
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

void FetchCommand::takeStats(const EngineUpdate &update)
{
    if (!m_stats)
        return;
    for (const TaskRecord &task : update.tasks) {
        if (!isTerminal(task.state) || task.attemptLog.isEmpty())
            continue;
        const TaskSpan span = TaskSpan::from(task);
        m_stats->add(span);
        m_hostStats[shownHost(task.url)].add(span);
    }
}

// Per phase, p50, p90, p99 and the worst over every attempt; how they ended; then per host.
void FetchCommand::printStats()
{
    if (!m_stats)
        return;
    const auto ms = [](double value) { return QString(QString::number(value, 'f', value < 10 ? 2 : 1) + u" ms"_s).rightJustified(11); };
    m_out << "Where the time went, over " << countOf(m_stats->attempts(), u"attempt"_s, u"attempts"_s) << ":\n";
    m_out << u"  phase"_s.leftJustified(14) << u"count"_s.rightJustified(9) << u"p50"_s.rightJustified(11) << u"p90"_s.rightJustified(11)
          << u"p99"_s.rightJustified(11) << u"max"_s.rightJustified(11) << '\n';
    for (int phase = 0; phase < PhaseStats::PhaseCount; ++phase) {
        const PhaseStats::Summary s = m_stats->summary(PhaseStats::Phase(phase));
        m_out << QString(u"  "_s + PhaseStats::phaseName(PhaseStats::Phase(phase))).leftJustified(14) << formatNumber(s.count).rightJustified(9);
        if (s.count > 0)
            m_out << ms(s.p50) << ms(s.p90) << ms(s.p99) << ms(s.max);
        m_out << '\n';
    }
    QStringList statuses;
    for (const auto &[status, count] : m_stats->statusCounts())
        statuses << (status > 0 ? QString::number(status) : u"no response"_s) + u" × "_s + formatNumber(count);
    m_out << "HTTP status: " << statuses.join(u", "_s) << '\n';
    if (!m_stats->errorCounts().empty()) {
        QStringList errors;
        for (const auto &[kind, count] : m_stats->errorCounts())
            errors << kind + u" × "_s + formatNumber(count);
        m_out << "Errors: " << errors.join(u", "_s) << '\n';
    }
    m_out << "By host (total p50 / p99, first byte p50):\n";
    for (auto &[host, stats] : m_hostStats) {
        const PhaseStats::Summary total = stats.summary(PhaseStats::Total);
        const PhaseStats::Summary firstByte = stats.summary(PhaseStats::FirstByte);
        m_out << "  " << host << ": " << countOf(stats.attempts(), u"attempt"_s, u"attempts"_s);
        if (total.count > 0)
            m_out << ", " << ms(total.p50).trimmed() << " / " << ms(total.p99).trimmed() << ", "
                  << (firstByte.count > 0 ? ms(firstByte.p50).trimmed() : u"no response"_s);
        m_out << '\n';
    }
    m_out.flush();
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
