#pragma once

#include "HistoryBatch.h"
#include "TaskRow.h"

#include <QLockFile>

#include <functional>
#include <memory>
#include <optional>
#include <set>

class QSqlDatabase;
class QSqlQuery;

namespace loopscope {

// Every batch, task and attempt, in an SQLite file (WAL), so that work survives a crash: a
// batch is written before it runs, each change of its tasks as it happens. One process
// "owns" the batches it runs, shown by a lock file it holds while alive; batches whose owner
// is gone with tasks unfinished can be claimed and run again by another process.
// Not thread-safe: use it from the thread that opened it.
class HistoryDatabase {
public:
    static constexpr int SchemaVersion = 3;

    // Opens (creating and migrating as needed) the file at path; nullopt with *error set.
    static std::unique_ptr<HistoryDatabase> open(const QString &path, QString *error);
    ~HistoryDatabase();
    HistoryDatabase(const HistoryDatabase &) = delete;
    HistoryDatabase &operator=(const HistoryDatabase &) = delete;

    QString path() const { return m_path; }

    // Writes a new batch and its queued tasks, owned by this process; returns the plan to run
    // them under their recorded ids. retryOf, when given, holds the task each URL retries.
    std::optional<BatchPlan> createBatch(const QString &name, const QList<QUrl> &urls, const BatchSettings &settings,
                                         const QList<TaskId> &retryOf, QString *error);
    // Writes the tasks of this process's batches that the update carries.
    bool record(const EngineUpdate &update);

    // Batches with unfinished tasks whose owning process has ended.
    QList<HistoryBatch> orphaned();
    // Takes over orphaned batches; returns a plan per batch taken (its unfinished tasks, under
    // their ids, queued again). A batch another process took first is left out.
    QList<BatchPlan> claim(const QList<BatchId> &ids);
    // Takes over orphaned batches and records their unfinished tasks as cancelled.
    void discard(const QList<BatchId> &ids);

    QList<HistoryBatch> batches(int newestFirstLimit);
    std::optional<HistoryBatch> batch(BatchId id);
    // Every task of one batch (or of all, when batch is 0), in id order.
    void forEachTask(BatchId batch, const std::function<void(const TaskRow &)> &visit);
    QList<AttemptRecord> attempts(TaskId task);

    QString lastError() const { return m_lastError; }

private:
    HistoryDatabase(const QString &path, const QString &connectionName);
    bool migrate();
    bool exec(const QString &statement);
    bool ownerIsGone(const QString &owner);
    QList<BatchPlan> takeOver(const QList<BatchId> &ids);
    HistoryBatch batchFromQuery(const QSqlQuery &query) const;

    QString m_path;
    QString m_connectionName;
    std::unique_ptr<QSqlDatabase> m_db; // a pointer: QtSql stays out of this header
    QString m_owner; // this process's lock file name
    std::unique_ptr<QLockFile> m_ownerLock;
    std::set<BatchId> m_ownBatches; // batches this process runs: the ones record() writes
    QString m_lastError;
};

} // namespace loopscope
