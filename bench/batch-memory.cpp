// What the engine holds once batches are over: runs batches of tiny responses one after the
// other in one process, recorded in a history as the window and the commands do, and prints
// the resident memory after the first few and after the last. See bench/README.md.
//
//   batch-memory URL [BATCHES [TASKS [EARLY]]]     (defaults: 50 batches of 1,000 tasks, early = 5)
#include "Engine.h"
#include "History.h"

#include <QCoreApplication>
#include <QFile>
#include <QTemporaryDir>
#include <QCoroFuture>
#include <QCoroTask>

#include <cstdio>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
// Resident set size in KiB, from the kernel's own accounting.
qint64 residentKiB()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (QByteArray line = status.readLine(); !line.isEmpty(); line = status.readLine()) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

QCoro::Task<int> run(QUrl url, int batches, int tasks, int early)
{
    QTemporaryDir dir;
    Result<std::unique_ptr<History>> opened = History::open(dir.filePath(u"history.sqlite"_s));
    if (!opened) {
        std::fprintf(stderr, "batch-memory: %s\n", qPrintable(opened.error()));
        co_return 2;
    }
    const std::unique_ptr<History> history = std::move(opened).value();
    Engine engine;
    history->follow(engine);
    QList<QByteArray> urls;
    for (int i = 0; i < tasks; ++i) {
        QUrl numbered = url;
        numbered.setQuery(u"n=%1"_s.arg(i));
        urls << numbered.toEncoded();
    }
    BatchSettings settings;
    settings.concurrency = 50;
    settings.perHost = 50;
    qint64 earlyKiB = 0;
    for (int batch = 1; batch <= batches; ++batch) {
        const QFuture<Result<BatchPlan>> created = history->createBatch(u"memory %1"_s.arg(batch), urls, settings);
        const Result<BatchPlan> plan = co_await created;
        if (!plan) {
            std::fprintf(stderr, "batch-memory: %s\n", qPrintable(plan.error()));
            co_return 2;
        }
        const BatchId id = engine.addBatch(*plan);
        const QFuture<BatchRecord> finished = engine.whenBatchFinished(id);
        const BatchRecord done = co_await finished;
        if (done.count(TaskState::Succeeded) != tasks) {
            std::fprintf(stderr, "batch-memory: batch %d: %d of %d succeeded\n", batch, done.count(TaskState::Succeeded), tasks);
            co_return 1;
        }
        if (batch == early)
            earlyKiB = residentKiB();
        // The curve, so that a cache filling up (and stopping) tells itself from a leak.
        if (batch == early || batch % 10 == 0)
            std::printf("  after batch %3d: %.1f MiB\n", batch, double(residentKiB()) / 1024);
    }
    const qint64 lastKiB = residentKiB();
    std::printf("RSS after %d batches of %d: %.1f MiB\n", early, tasks, double(earlyKiB) / 1024);
    std::printf("RSS after %d batches of %d: %.1f MiB\n", batches, tasks, double(lastKiB) / 1024);
    std::printf("growth: %+.1f %% (target: within 10 %%)\n", 100.0 * double(lastKiB - earlyKiB) / double(earlyKiB));
    co_return lastKiB <= earlyKiB * 11 / 10 ? 0 : 1;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: batch-memory URL [BATCHES [TASKS [EARLY]]]\n");
        return 2;
    }
    const int batches = args.value(2, u"50"_s).toInt();
    const int tasks = args.value(3, u"1000"_s).toInt();
    const int early = args.value(4, u"5"_s).toInt();
    int code = 0;
    const auto measure = [&]() -> QCoro::Task<> {
        code = co_await run(QUrl(args.at(1)), batches, tasks, early);
        QCoreApplication::quit();
    };
    const QCoro::Task<> running = measure();
    app.exec();
    return code;
}
