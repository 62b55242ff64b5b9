#pragma once

#include "HistoryBatch.h"
#include "Result.h"
#include "TaskRow.h"
#include "TaskSpan.h"

#include <QLockFile>

#include <functional>
#include <memory>
#include <set>

class QSqlDatabase;
class QSqlError;
class QSqlQuery;

namespace loopscope {

// Every batch, task and attempt, in an SQLite file (WAL), so that work survives a crash: a
// batch is written before it runs, each change of its tasks as it happens. One process
// "owns" the batches it runs, shown by a lock file it holds while alive; batches whose owner
// is gone with tasks unfinished can be claimed and run again by another process.
// Not thread-safe: use it from the thread that opened it.
class HistoryDatabase {
public:
    static constexpr int SchemaVersion = 4;

    // ReadOnly opens the file as one the process may not write: every change then fails as it
    // would there (tests use it, since they run as root, whom file modes do not stop).
    enum class Access { ReadWrite, ReadOnly };

    // Opens (creating and migrating as needed) the file at path. Every failure, here and
    // below, names the file and says what SQLite said.
    static Result<std::unique_ptr<HistoryDatabase>> open(const QString &path, Access access = Access::ReadWrite);
    ~HistoryDatabase();
    HistoryDatabase(const HistoryDatabase &) = delete;
    HistoryDatabase &operator=(const HistoryDatabase &) = delete;

    QString path() const { return m_path; }
    // Reads every page through (SQLite's quick_check): a damaged file fails here, naming the
    // first damage found, rather than part way through a read or a write that could make the
    // damage worse. Takes about a second per 300 MB.
    Result<> verify();

    // Writes a new batch and its queued tasks, owned by this process; returns the plan to run
    // them under their recorded ids. retryOf, when given, holds the task each URL retries.
    Result<BatchPlan> createBatch(const QString &name, const QList<QByteArray> &urls, const BatchSettings &settings,
                                  const QList<TaskId> &retryOf);
    // Writes the ends of the tasks of this process's batches that the update carries, all or
    // (on failure) none of them, and says how many; a task that has not ended stays as it was
    // created, queued.
    Result<qsizetype> record(const EngineUpdate &update);

    // Batches with unfinished tasks whose owning process has ended.
    Result<QList<HistoryBatch>> orphaned();
    // Takes over orphaned batches; returns a plan per batch taken (its unfinished tasks, under
    // their ids, queued again). A batch another process took first is left out.
    Result<QList<BatchPlan>> claim(const QList<BatchId> &ids);
    // Takes over orphaned batches and records their unfinished tasks as cancelled.
    Result<> discard(const QList<BatchId> &ids);

    Result<QList<HistoryBatch>> batches(int newestFirstLimit);
    // Fails with ErrorKind::Invalid when there is no such batch.
    Result<HistoryBatch> batch(BatchId id);
    // Every task of one batch (or of all, when batch is 0), in id order; a failure part way
    // through comes after the rows visited until then.
    Result<> forEachTask(BatchId batch, const std::function<void(const TaskRow &)> &visit);
    Result<QList<AttemptRecord>> attempts(TaskId task);
    // What every task of the batch that ran did, attempt by attempt, for a timeline; times are
    // UTC milliseconds, as recorded.
    Result<QList<TaskSpan>> spans(BatchId batch);

private:
    HistoryDatabase(const QString &path, const QString &connectionName, Access access);
    Failure failure(const QSqlError &error) const;
    Result<> exec(const QString &statement);
    Result<> prepare(QSqlQuery &query, const QString &statement) const;
    Result<> run(QSqlQuery &query) const;
    // Runs body between BEGIN (or begin) and COMMIT; rolls back when either fails.
    template<typename T>
    Result<T> inTransaction(const QString &begin, const std::function<Result<T>()> &body);
    Result<> migrate();
    bool ownerIsGone(const QString &owner);
    // Within a transaction: takes the batches whose owner is gone; their plans.
    Result<QList<BatchPlan>> takeOver(const QList<BatchId> &ids);
    HistoryBatch batchFromQuery(const QSqlQuery &query) const;

    QString m_path;
    QString m_connectionName;
    std::unique_ptr<QSqlDatabase> m_db; // a pointer: QtSql stays out of this header
    QString m_owner; // this process's lock file name
    std::unique_ptr<QLockFile> m_ownerLock;
    std::set<BatchId> m_ownBatches; // batches this process runs: the ones record() writes
};

} // namespace loopscope
