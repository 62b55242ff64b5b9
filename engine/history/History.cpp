#include "History.h"

#include "Engine.h"
#include "HistoryDatabase.h"

#include <QStandardPaths>

namespace loopscope {

template<typename Fn>
auto History::call(Fn fn) const
{
    using T = decltype(fn(*m_db));
    return m_loop->submit([db = m_db, fn = std::move(fn)]() -> QCoro::Task<T> {
        if constexpr (std::is_void_v<T>)
            fn(*db);
        else
            co_return fn(*db);
    });
}

std::unique_ptr<History> History::open(const QString &path, QString *error)
{
    std::unique_ptr<History> history(new History);
    history->m_loop = std::make_unique<WorkerLoop>(QStringLiteral("loopscope history"));
    const QString wanted = path.isEmpty() ? defaultPath() : path;
    QFuture<QString> opened = history->m_loop->submit([history = history.get(), wanted]() -> QCoro::Task<QString> {
        QString problem;
        std::unique_ptr<HistoryDatabase> db = HistoryDatabase::open(wanted, &problem);
        if (db) {
            history->m_db = db.release();
            history->m_path = history->m_db->path();
            history->m_recorder = new QObject;
        }
        co_return problem;
    });
    *error = opened.result();
    if (!history->m_db)
        return nullptr;
    return history;
}

QString History::defaultPath()
{
    // Not AppDataLocation: the window names an organisation and the commands do not, and
    // both must find the same history.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + u"/loopscope/history.sqlite"_qs;
}

History::~History()
{
    // Queued after every update already sent here, so those are written first.
    m_loop->submit([this]() -> QCoro::Task<> {
        delete m_recorder;
        delete m_db;
        co_return;
    }).waitForFinished();
}

void History::follow(Engine &engine)
{
    engine.observe(m_recorder, [db = m_db](const EngineUpdate &update) { db->record(update); });
}

QFuture<History::Created> History::createBatch(const QString &name, const QList<QUrl> &urls, const BatchSettings &settings,
                                                const QList<TaskId> &retryOf)
{
    return call([name, urls, settings, retryOf](HistoryDatabase &db) {
        Created created;
        created.plan = db.createBatch(name, urls, settings, retryOf, &created.error);
        return created;
    });
}

QFuture<QList<HistoryBatch>> History::orphaned()
{
    return call([](HistoryDatabase &db) { return db.orphaned(); });
}

QFuture<QList<BatchPlan>> History::claim(const QList<BatchId> &ids)
{
    return call([ids](HistoryDatabase &db) { return db.claim(ids); });
}

QFuture<void> History::discard(const QList<BatchId> &ids)
{
    return call([ids](HistoryDatabase &db) { db.discard(ids); });
}

QFuture<QList<HistoryBatch>> History::batches(int newestFirstLimit)
{
    return call([newestFirstLimit](HistoryDatabase &db) { return db.batches(newestFirstLimit); });
}

QFuture<QList<TaskRow>> History::tasks(BatchId batch)
{
    return call([batch](HistoryDatabase &db) {
        QList<TaskRow> rows;
        db.forEachTask(batch, [&rows](const TaskRow &row) { rows.append(row); });
        return rows;
    });
}

} // namespace loopscope
