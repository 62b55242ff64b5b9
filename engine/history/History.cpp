#include "History.h"

#include "Engine.h"
#include "HistoryDatabase.h"
#include "HistoryRecorder.h"

#include <QStandardPaths>

using namespace Qt::StringLiterals;

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

namespace {
// The value of a read, or (its failure passed to the recorder, which says it) an empty one.
template<typename T>
T reported(Result<T> result, HistoryRecorder &recorder)
{
    if (!result) {
        recorder.note(result.failure());
        return T{};
    }
    recorder.note({});
    return std::move(result).value();
}
} // namespace

Result<std::unique_ptr<History>> History::open(const QString &path, Check check)
{
    std::unique_ptr<History> history(new History);
    history->m_loop = std::make_unique<WorkerLoop>(u"loopscope history"_s);
    const QString wanted = path.isEmpty() ? defaultPath() : path;
    const Result<> opened = history->m_loop->runAndWait([history = history.get(), wanted, check]() -> QCoro::Task<Result<>> {
        Result<std::unique_ptr<HistoryDatabase>> db = HistoryDatabase::open(wanted);
        if (!db)
            co_return db.failure();
        if (check == Check::Verify) {
            if (Result<> sound = (*db)->verify(); !sound)
                co_return sound.failure();
        }
        history->m_db = db->release();
        history->m_path = history->m_db->path();
        history->m_recorder = new HistoryRecorder(*history->m_db);
        co_return Result<>{};
    });
    if (!opened)
        return opened.failure();
    return history;
}

QString History::defaultPath()
{
    // Not AppDataLocation: the window names an organisation and the commands do not, and
    // both must find the same history.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + u"/loopscope/history.sqlite"_s;
}

History::~History()
{
    // Queued after every update already sent here, so those are written first.
    m_loop->runAndWait([this]() -> QCoro::Task<> {
        delete m_recorder;
        delete m_db;
        co_return;
    });
}

void History::follow(Engine &engine)
{
    engine.observe(m_recorder, [recorder = m_recorder](const EngineUpdate &update) { recorder->record(update); });
}

QMetaObject::Connection History::onFailure(QObject *context, std::function<void(const Failure &)> fn)
{
    return QObject::connect(m_recorder, &HistoryRecorder::failed, m_recorder, relayTo<Failure>(context, std::move(fn)),
                            Qt::DirectConnection);
}

QFuture<void> History::written()
{
    // Queued on the history thread behind every update already sent there.
    return call([](HistoryDatabase &) {});
}

QFuture<Result<BatchPlan>> History::createBatch(const QString &name, const QList<QByteArray> &urls, const BatchSettings &settings,
                                                const QList<TaskId> &retryOf)
{
    // Not said through onFailure: the caller reports why its batch was not queued.
    return call([name, urls, settings, retryOf](HistoryDatabase &db) { return db.createBatch(name, urls, settings, retryOf); });
}

QFuture<QList<HistoryBatch>> History::orphaned()
{
    return call([recorder = m_recorder](HistoryDatabase &db) { return reported(db.orphaned(), *recorder); });
}

QFuture<QList<BatchPlan>> History::claim(const QList<BatchId> &ids)
{
    return call([ids, recorder = m_recorder](HistoryDatabase &db) { return reported(db.claim(ids), *recorder); });
}

QFuture<void> History::discard(const QList<BatchId> &ids)
{
    return call([ids, recorder = m_recorder](HistoryDatabase &db) { recorder->note(db.discard(ids)); });
}

QFuture<QList<HistoryBatch>> History::batches(int newestFirstLimit)
{
    return call([newestFirstLimit, recorder = m_recorder](HistoryDatabase &db) { return reported(db.batches(newestFirstLimit), *recorder); });
}

QFuture<QList<TaskRow>> History::tasks(BatchId batch)
{
    return call([batch, recorder = m_recorder](HistoryDatabase &db) {
        QList<TaskRow> rows;
        const Result<> read = db.forEachTask(batch, [&rows](const TaskRow &row) { rows.append(row); });
        recorder->note(read);
        return read ? rows : QList<TaskRow>{};
    });
}

QFuture<QList<TaskSpan>> History::spans(BatchId batch)
{
    return call([batch, recorder = m_recorder](HistoryDatabase &db) {
        Result<QList<TaskSpan>> read = db.spans(batch);
        recorder->note(read ? Result<>() : Result<>(read.failure()));
        return read ? *std::move(read) : QList<TaskSpan>{};
    });
}

} // namespace loopscope
