#pragma once

#include "BatchRecord.h"
#include "Notifications.h"
#include "TaskPrinter.h"
#include "UrlList.h"

#include <QFile>
#include <QObject>
#include <QStringList>
#include <QTextStream>
#include <QCoroTask>

#include <map>
#include <memory>
#include <optional>

namespace loopscope {
class Engine;
class History;
class LoopMonitor;
class PhaseStats;
class TraceRecorder;
struct SlowCallback;
}

// `loopscope fetch`: reads URL lists, runs them as one batch on the engine, prints a line
// as each task starts and ends, and writes a JSON record per finished task. Every batch is
// recorded in the history first. `refire` and `resume` run the same way, with their batches
// from an earlier run's records or from the history.
class FetchCommand : public QObject {
    Q_OBJECT
public:
    // HistoryFailed: the history or the trace could not be read or written; the --jsonl records are complete.
    enum ExitCode { AllSucceeded = 0, SomeNotSucceeded = 1, UsageError = 2, HistoryFailed = 2, Interrupted = 130 };

    // fetch: URL lists; refire: the 5xx failures of an earlier run's records; resume: what a
    // process that ended unexpectedly left unfinished in the history.
    enum class Mode { Fetch, Refire, Resume };
    static QString commandName(Mode mode);

    struct Options {
        Mode mode = Mode::Fetch;
        loopscope::BatchSettings settings;
        QString jsonlPath;
        bool quiet = false;
        QStringList inputs; // "-" is standard input; for refire, the results file
        QString dbPath;     // empty: the default history
        loopscope::NotificationSettings notifications;
        int slowCallbackMs = 0; // above 0: warn of each callback that holds a loop this long
        QString tracePath;      // non-empty: the run is written there as a Chrome trace
        bool stats = false;     // print where the time went, phase by phase, at the end
    };

    FetchCommand(loopscope::Engine &engine, Options options);
    ~FetchCommand() override;

    QCoro::Task<int> run();
    // SIGINT/SIGTERM: cancel every running and queued task; run() then ends with 130.
    void interrupt();

private:
    // Queues the mode's batches; nullopt after an error it printed.
    QCoro::Task<std::optional<QList<loopscope::BatchId>>> queueBatches();
    void printSummary(const loopscope::BatchRecord &batch);
    void takeStats(const loopscope::EngineUpdate &update);
    void printStats();
    bool reportNotifications(const QList<loopscope::TaskRecord> &notifications); // false if one failed
    std::optional<loopscope::UrlList> readInputs();
    void watchLoops();
    bool writeTrace(const QList<loopscope::BatchId> &batches); // false after an error it printed
    void printSlowCallback(const loopscope::SlowCallback &callback);

    loopscope::Engine &m_engine;
    Options m_options;
    QString m_prefix; // "loopscope fetch: ", before every error
    QTextStream m_out;
    QTextStream m_err;
    QFile m_jsonl;
    TaskPrinter m_printer;
    std::unique_ptr<loopscope::History> m_history;
    std::unique_ptr<loopscope::LoopMonitor> m_mainLoop; // with --slow-callback or --trace
    std::unique_ptr<loopscope::TraceRecorder> m_trace;
    QFile m_traceFile;
    std::unique_ptr<loopscope::PhaseStats> m_stats; // with --stats: of all attempts
    std::map<QString, loopscope::PhaseStats> m_hostStats;
    qsizetype m_rejectedLines = 0;
    bool m_interrupted = false;
    bool m_historyFailed = false; // a failure of the history was printed
};
