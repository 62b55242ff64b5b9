#pragma once

#include "HistoryBatch.h"
#include "Result.h"
#include "TaskRow.h"
#include "TaskSpan.h"
#include "WorkerLoop.h"

#include <QFuture>

#include <functional>

namespace loopscope {

class Engine;
class HistoryDatabase;
class HistoryRecorder;

// The history database on a thread of its own, so that neither the window's loop nor the
// worker loop ever waits for the disk. Every call returns at once; results come as futures.
class History {
public:
    // Opens the database at path (default: the user's data folder). Waits for the opening,
    // which is quick, so that a bad path is reported where it was given.
    // Verify reads the file through first (HistoryDatabase::verify): the window does, where a
    // damaged file can be mended before anything is written to it.
    enum class Check { Trust, Verify };
    static Result<std::unique_ptr<History>> open(const QString &path, Check check = Check::Trust);
    static QString defaultPath();
    ~History(); // after every change already sent here is written
    History(const History &) = delete;
    History &operator=(const History &) = delete;

    QString path() const { return m_path; }

    // Records every change of this process's batches as the engine publishes it.
    void follow(Engine &engine);
    // Calls fn on context's thread when the database fails: recording what follow() sends, or
    // a read, claim or discard, whose future then holds nothing. Once for a run of the same
    // failure, not for every update it refuses.
    QMetaObject::Connection onFailure(QObject *context, std::function<void(const Failure &)> fn);
    // Finishes once every update sent here so far has been written, or its failure passed to
    // onFailure's callbacks (queued to their threads before this future finishes).
    QFuture<void> written();

    // The plan to hand to Engine::addBatch.
    QFuture<Result<BatchPlan>> createBatch(const QString &name, const QList<QByteArray> &urls, const BatchSettings &settings,
                                           const QList<TaskId> &retryOf = {});
    QFuture<QList<HistoryBatch>> orphaned();
    QFuture<QList<BatchPlan>> claim(const QList<BatchId> &ids);
    QFuture<void> discard(const QList<BatchId> &ids);
    QFuture<QList<HistoryBatch>> batches(int newestFirstLimit = 1000);
    QFuture<QList<TaskRow>> tasks(BatchId batch);
    // Its tasks that ran, attempt by attempt (HistoryDatabase::spans); empty after a failure.
    QFuture<QList<TaskSpan>> spans(BatchId batch);

private:
    History() = default;
    template<typename Fn>
    auto call(Fn fn) const;

    std::unique_ptr<WorkerLoop> m_loop;
    HistoryDatabase *m_db = nullptr; // lives on m_loop's thread
    HistoryRecorder *m_recorder = nullptr; // likewise: receives the engine's updates there
    QString m_path;
};

} // namespace loopscope
