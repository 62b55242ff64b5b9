#pragma once

#include "BatchRecord.h"
#include "Notifications.h"
#include "UrlList.h"

#include <QCommandLineParser>
#include <QFile>
#include <QObject>
#include <QStringList>
#include <QTextStream>
#include <QCoroTask>

#include <optional>

namespace loopscope {
class Engine;
}

// `loopscope fetch`: reads URL lists, runs them as one batch on the engine, prints a line
// as each task starts and ends, and writes a JSON record per finished task.
class FetchCommand : public QObject {
    Q_OBJECT
public:
    enum ExitCode { AllSucceeded = 0, SomeNotSucceeded = 1, UsageError = 2, Interrupted = 130 };

    struct Options {
        loopscope::BatchSettings settings;
        QString jsonlPath;
        bool quiet = false;
        QStringList inputs; // "-" is standard input
        loopscope::NotificationSettings notifications;
    };

    // Parses the arguments after "fetch"; on failure or --help/--version, prints and sets exitCode.
    static std::optional<Options> parse(const QStringList &arguments, int &exitCode);

    FetchCommand(loopscope::Engine &engine, Options options);


    QCoro::Task<int> run();
    // SIGINT/SIGTERM: cancel every running and queued task; run() then ends with 130.
    void interrupt();

private:
    struct NotificationOptions {
        const QCommandLineOption &notifyEmail, &smtp, &from, &notifyWebhook, &notifyOn, &caFile;
    };
    static bool parseNotifications(const QCommandLineParser &parser, const NotificationOptions &names,
                                   loopscope::NotificationSettings &settings, QString &error);

    void print(const loopscope::EngineUpdate &update);
    void printTaskLines(const loopscope::TaskRecord &task);
    void printSummary(const loopscope::BatchRecord &batch);
    bool reportNotifications(const QList<loopscope::TaskRecord> &notifications); // false if one failed
    std::optional<loopscope::UrlList> readInputs();

    loopscope::Engine &m_engine;
    Options m_options;
    QTextStream m_out;
    QTextStream m_err;
    QFile m_jsonl;
    // What was printed of each task (by index in the batch): its start, its end.
    std::vector<char> m_startPrinted;
    std::vector<char> m_endPrinted;
    loopscope::TaskId m_firstTask = 0;
    bool m_interrupted = false;
};
