#pragma once

#include "HistoryBatch.h"
#include "TaskRow.h"
#include "WorkerLoop.h"

#include <QFuture>

namespace loopscope {

class Engine;
class HistoryDatabase;

// The history database on a thread of its own, so that neither the window's loop nor the
// worker loop ever waits for the disk. Every call returns at once; results come as futures.
class History {
public:
    // Opens the database at path (default: the user's data folder); nullptr with *error set.
    // Waits for the opening, which is quick, so that a bad path is reported where it was given.
    static std::unique_ptr<History> open(const QString &path, QString *error);
    static QString defaultPath();
    ~History(); // after every change already sent here is written
    History(const History &) = delete;
    History &operator=(const History &) = delete;

    QString path() const { return m_path; }

    // Records every change of this process's batches as the engine publishes it.
    void follow(Engine &engine);

    struct Created {
        std::optional<BatchPlan> plan; // to hand to Engine::addBatch
        QString error;
    };
    QFuture<Created> createBatch(const QString &name, const QList<QUrl> &urls, const BatchSettings &settings,
                                 const QList<TaskId> &retryOf = {});
    QFuture<QList<HistoryBatch>> orphaned();
    QFuture<QList<BatchPlan>> claim(const QList<BatchId> &ids);
    QFuture<void> discard(const QList<BatchId> &ids);
    QFuture<QList<HistoryBatch>> batches(int newestFirstLimit = 1000);
    QFuture<QList<TaskRow>> tasks(BatchId batch);

private:
    History() = default;
    template<typename Fn>
    auto call(Fn fn) const;

    std::unique_ptr<WorkerLoop> m_loop;
    HistoryDatabase *m_db = nullptr; // lives on m_loop's thread
    QObject *m_recorder = nullptr;   // likewise: receives the engine's updates there
    QString m_path;
};

} // namespace loopscope
