// Longer than the engine's other files for a reason: every SQL statement of the history lives
// here, beside the schema and the migrations it depends on, so that a change of a table is
// made and reviewed in one place and no other file speaks SQL.
#include "HistoryDatabase.h"

#include "HistoryFile.h"
#include "SqliteStatement.h"

#include <charconv>

#include <QDateTime>

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUuid>
#include <QVariant>

#include <algorithm>

#include <sqlite3.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcHistory, "loopscope.history", QtInfoMsg)

namespace loopscope {

namespace {
// Each step takes the schema from one version to the next; a database of any older version
// is brought up to date step by step, inside one transaction.
const QList<QStringList> &migrations()
{
    static const QList<QStringList> steps{
        // 1: batches and their tasks
        {
            u"CREATE TABLE batches ("
            "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
            "  name TEXT NOT NULL,"
            "  created_at INTEGER NOT NULL,"
            "  settings TEXT NOT NULL,"
            "  owner TEXT NOT NULL)"_s,
            u"CREATE TABLE tasks ("
            "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
            "  batch_id INTEGER NOT NULL REFERENCES batches(id),"
            "  url TEXT NOT NULL,"
            "  state TEXT NOT NULL DEFAULT 'queued',"
            "  worker TEXT,"
            "  attempts INTEGER NOT NULL DEFAULT 0,"
            "  http_status INTEGER,"
            "  bytes INTEGER NOT NULL DEFAULT 0,"
            "  final_url TEXT,"
            "  error TEXT,"
            "  cancel_reason TEXT,"
            "  queued_at INTEGER,"
            "  started_at INTEGER,"
            "  finished_at INTEGER,"
            "  queued_ms INTEGER NOT NULL DEFAULT 0,"
            "  run_ms INTEGER NOT NULL DEFAULT 0)"_s,
            u"CREATE INDEX tasks_by_batch ON tasks(batch_id, id)"_s,
        },
        // 2: error categories, retry links, and a row per attempt
        {
            u"ALTER TABLE tasks ADD COLUMN error_kind TEXT"_s,
            u"ALTER TABLE tasks ADD COLUMN retry_of INTEGER REFERENCES tasks(id)"_s,
            u"ALTER TABLE batches ADD COLUMN retry_of INTEGER REFERENCES batches(id)"_s,
            u"CREATE TABLE attempts ("
            "  task_id INTEGER NOT NULL REFERENCES tasks(id),"
            "  attempt INTEGER NOT NULL,"
            "  http_status INTEGER,"
            "  error TEXT,"
            "  error_kind TEXT,"
            "  PRIMARY KEY (task_id, attempt))"_s,
        },
        // 3: where a downloaded body was saved
        {
            u"ALTER TABLE tasks ADD COLUMN file TEXT"_s,
        },
        // 4: where each attempt's time went (JSON, as TaskRow writes it), and a task's note
        {
            u"ALTER TABLE tasks ADD COLUMN timings TEXT"_s,
            u"ALTER TABLE tasks ADD COLUMN note TEXT"_s,
            u"ALTER TABLE attempts ADD COLUMN timings TEXT"_s,
        },
    };
    return steps;
}

// Settings are kept as JSON: a setting added later reads back as its default from older rows.
QString settingsToJson(const BatchSettings &settings)
{
    QByteArray certificates;
    for (const QSslCertificate &certificate : settings.caCertificates)
        certificates += certificate.toPem();
    const QJsonObject object{
        {u"concurrency"_s, settings.concurrency},
        {u"per_host"_s, settings.perHost},
        {u"timeout_ms"_s, settings.timeoutMs},
        {u"retries"_s, settings.retries},
        {u"idle_timeout_ms"_s, settings.idleTimeoutMs},
        {u"max_bytes"_s, settings.maxBytes},
        {u"ca_certificates"_s, QString::fromLatin1(certificates)},
        {u"output_dir"_s, settings.outputDir},
        {u"overwrite"_s, settings.overwrite},
        {u"limit_rate"_s, settings.limitRate},
        {u"proxy"_s, settings.proxy},
        {u"http11"_s, settings.http11},
    };
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

BatchSettings settingsFromJson(const QString &text)
{
    const QJsonObject object = QJsonDocument::fromJson(text.toUtf8()).object();
    BatchSettings settings;
    settings.concurrency = object.value(u"concurrency").toInt(settings.concurrency);
    settings.perHost = object.value(u"per_host").toInt(settings.perHost);
    settings.timeoutMs = object.value(u"timeout_ms").toInt(settings.timeoutMs);
    settings.retries = object.value(u"retries").toInt(settings.retries);
    settings.idleTimeoutMs = object.value(u"idle_timeout_ms").toInt(settings.idleTimeoutMs);
    settings.maxBytes = object.value(u"max_bytes").toInteger(settings.maxBytes);
    settings.caCertificates = QSslCertificate::fromData(object.value(u"ca_certificates").toString().toLatin1());
    settings.outputDir = object.value(u"output_dir").toString();
    settings.overwrite = object.value(u"overwrite").toBool();
    settings.limitRate = object.value(u"limit_rate").toInteger(settings.limitRate);
    settings.proxy = object.value(u"proxy").toString();
    settings.http11 = object.value(u"http11").toBool();
    return settings;
}

// The JSON of TaskRow's timings and connection fields, written out by hand: a QJsonObject, or
// even QString::number, for each of 100,000 rows costs more than writing the rows. Empty
// (NULL) when unknown.
QByteArray timingsText(const AttemptTimings &timings)
{
    if (!timings.known() && timings.startMs < 0)
        return {};
    QByteArray json;
    json.reserve(160);
    const auto ms = [&json](const char *key, double value) {
        json += key;
        if (value < 0) {
            json += "null";
            return;
        }
        char digits[32];
        const auto written = std::to_chars(digits, digits + sizeof digits, value, std::chars_format::fixed, 3);
        json.append(digits, written.ptr - digits);
    };
    const auto text = [&json](const char *key, const QString &value) {
        json += key;
        json += value.isEmpty() ? QByteArray("null") : '"' + value.toLatin1() + '"'; // versions and addresses: ASCII
    };
    ms("{\"start_ms\":", timings.startMs);
    ms(",\"end_ms\":", timings.endMs);
    ms(",\"dns_ms\":", timings.dnsMs);
    ms(",\"connect_ms\":", timings.connectMs);
    ms(",\"tls_ms\":", timings.tlsMs);
    ms(",\"ttfb_ms\":", timings.ttfbMs);
    ms(",\"total_ms\":", timings.totalMs);
    text(",\"http_version\":", timings.httpVersion);
    json += timings.reused ? ",\"reused\":true" : ",\"reused\":false";
    text(",\"remote_ip\":", timings.remoteIp);
    json += '}';
    return json;
}

AttemptTimings timingsFrom(const QVariant &text)
{
    return TaskRow::timingsFromJson(QJsonDocument::fromJson(text.toString().toUtf8()).object());
}

constexpr auto Unfinished = "state IN ('queued', 'running')";

// What was fetched, from where and when, is the user's alone to read: the file is made
// readable by its owner only, before SQLite creates it (its -wal and -shm files take the
// database's mode), and an older one made readable by others is brought into line.
void keepPrivate(const QString &path)
{
    const QFile::Permissions ownerOnly = QFile::ReadOwner | QFile::WriteOwner;
    QFile database(path);
    if (!database.exists()) {
        if (database.open(QIODevice::WriteOnly | QIODevice::NewOnly, ownerOnly))
            database.close();
        return;
    }
    for (const QString &file : QStringList{path, path + u"-wal"_s, path + u"-shm"_s}) {
        const QFile::Permissions now = QFile::permissions(file);
        if (now & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther))
            QFile::setPermissions(file, now & ownerOnly);
    }
}
} // namespace

Result<std::unique_ptr<HistoryDatabase>> HistoryDatabase::open(const QString &path, Access access)
{
    const QFileInfo file(path);
    if (!QDir().mkpath(file.absolutePath()))
        return Failure{ErrorKind::Disk, u"history database %1: cannot create the folder %2"_s.arg(path, file.absolutePath())};
    if (access == Access::ReadWrite)
        keepPrivate(file.absoluteFilePath());
    std::unique_ptr<HistoryDatabase> history(new HistoryDatabase(
        file.absoluteFilePath(), u"loopscope-history-"_s + QUuid::createUuid().toString(QUuid::Id128), access));
    if (!history->m_db->open())
        return history->failure(history->m_db->lastError());
    // WAL: readers never wait for the writer, and a commit is one append. NORMAL sync keeps
    // every commit through a process crash (not through a power cut), at a fraction of FULL's cost.
    // The wait for a lock first: another process may be writing as this one opens.
    QStringList pragmas{u"PRAGMA busy_timeout=10000"_s, u"PRAGMA foreign_keys=ON"_s};
    if (access == Access::ReadWrite)
        pragmas << u"PRAGMA journal_mode=WAL"_s << u"PRAGMA synchronous=NORMAL"_s;
    for (const QString &pragma : std::as_const(pragmas)) {
        if (Result<> set = history->exec(pragma); !set)
            return set.failure();
    }
    if (Result<> migrated = history->migrate(); !migrated)
        return migrated.failure();
    if (access == Access::ReadOnly)
        return history; // a reader owns no batches
    // This process's mark of life: held until it ends, however it ends.
    const QString runs = history->m_path + u".runs"_s;
    QDir().mkpath(runs);
    QFile::setPermissions(runs, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    history->m_owner = QUuid::createUuid().toString(QUuid::Id128);
    history->m_ownerLock = std::make_unique<QLockFile>(runs + u'/' + history->m_owner + u".lock"_s);
    history->m_ownerLock->setStaleLockTime(0); // stale only when its process is gone, never by age
    if (!history->m_ownerLock->tryLock(0))
        return Failure{ErrorKind::Disk, u"history database %1: cannot create a lock file in %2"_s.arg(path, runs)};
    return history;
}

Result<> HistoryDatabase::verify()
{
    QSqlQuery check(*m_db);
    if (!check.exec(u"PRAGMA quick_check(1)"_s) || !check.next())
        return failure(check.lastError());
    // "*** in database main ***\nPage 26: btreeInitPage() returns error code 11": said in the
    // words SQLite uses when a read meets the damage, with where quick_check found it.
    if (QString verdict = check.value(0).toString(); verdict != u"ok") {
        verdict.remove(u"*** in database main ***"_s);
        return Failure{ErrorKind::Disk, u"history database %1: database disk image is malformed (%2)"_s.arg(m_path, verdict.simplified())};
    }
    return {};
}

HistoryDatabase::HistoryDatabase(const QString &path, const QString &connectionName, Access access)
    : m_path(path)
    , m_connectionName(connectionName)
    , m_db(std::make_unique<QSqlDatabase>(QSqlDatabase::addDatabase(u"QSQLITE"_s, connectionName)))
{
    m_db->setDatabaseName(path);
    if (access == Access::ReadOnly && HistoryFile::fileSystemTroubleOf(path) == HistoryFile::Trouble::ReadOnly) {
        // On read-only media SQLite cannot make the -shm file that reading a WAL database
        // takes; there nobody can change the file, which is what "immutable" tells it.
        m_db->setDatabaseName(QUrl::fromLocalFile(path).toString(QUrl::FullyEncoded) + u"?immutable=1"_s);
        m_db->setConnectOptions(u"QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"_s);
    } else if (access == Access::ReadOnly) {
        m_db->setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
    }
}

HistoryDatabase::~HistoryDatabase()
{
    m_db->close();
    m_db.reset();
    QSqlDatabase::removeDatabase(m_connectionName);
}

Failure HistoryDatabase::failure(const QSqlError &error) const
{
    // SQLite's own sentence ("database or disk is full", "attempt to write a readonly
    // database") says what is wrong; the driver's ("Unable to fetch row") adds nothing.
    const QString said = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    // SQLite says "unable to open database file" of a read-only folder and "disk I/O error" of
    // a full disk; what the file system tells is said first. A full file is said plainly already.
    HistoryFile::Trouble trouble = HistoryFile::Trouble::Other;
    switch (error.nativeErrorCode().toInt() & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        trouble = HistoryFile::Trouble::Busy;
        break;
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        break;
    default:
        trouble = HistoryFile::fileSystemTroubleOf(m_path);
    }
    if (trouble == HistoryFile::Trouble::Other)
        return Failure{ErrorKind::Disk, u"history database %1: %2"_s.arg(m_path, said)};
    return Failure{ErrorKind::Disk, u"history database %1: %2 (%3)"_s.arg(m_path, HistoryFile::troubleText(trouble), said)};
}

Result<> HistoryDatabase::exec(const QString &statement)
{
    QSqlQuery query(*m_db);
    if (query.exec(statement))
        return {};
    qCDebug(lcHistory) << "history" << m_path << "failed:" << statement.simplified().left(80);
    return failure(query.lastError());
}

Result<> HistoryDatabase::prepare(QSqlQuery &query, const QString &statement) const
{
    if (query.prepare(statement))
        return {};
    qCDebug(lcHistory) << "history" << m_path << "cannot prepare:" << statement.simplified().left(80);
    return failure(query.lastError());
}

Result<> HistoryDatabase::run(QSqlQuery &query) const
{
    if (query.exec())
        return {};
    qCDebug(lcHistory) << "history" << m_path << "failed:" << query.lastQuery().simplified().left(80);
    return failure(query.lastError());
}

template<typename T>
Result<T> HistoryDatabase::inTransaction(const QString &begin, const std::function<Result<T>()> &body)
{
    if (Result<> began = exec(begin); !began)
        return began.failure();
    Result<T> done = body();
    if (done) {
        if (Result<> committed = exec(u"COMMIT"_s); !committed)
            done = committed.failure();
    }
    if (!done) {
        // Nothing of a failed transaction stays. SQLite itself rolls back after some errors
        // (a full disk, an I/O error), and then this ROLLBACK finds no transaction: the
        // failure to report is the first one either way.
        if (Result<> rolledBack = exec(u"ROLLBACK"_s); !rolledBack)
            qCDebug(lcHistory) << "history" << m_path << "rollback:" << rolledBack.error();
    }
    return done;
}

Result<> HistoryDatabase::migrate()
{
    QSqlQuery version(*m_db);
    if (!version.exec(u"PRAGMA user_version"_s) || !version.next())
        return failure(version.lastError());
    const int from = version.value(0).toInt();
    version.finish();
    if (from > SchemaVersion)
        return Failure{ErrorKind::Invalid, u"history database %1: it was written by a newer Loopscope (schema %2; this one knows up to %3)"_s
                                               .arg(m_path).arg(from).arg(SchemaVersion)};
    if (from == SchemaVersion)
        return {};
    Result<> migrated = inTransaction<void>(u"BEGIN IMMEDIATE"_s, [&]() -> Result<> {
        for (int step = from; step < SchemaVersion; ++step) {
            for (const QString &statement : migrations()[step]) {
                if (Result<> done = exec(statement); !done)
                    return done;
            }
        }
        return exec(u"PRAGMA user_version=%1"_s.arg(SchemaVersion));
    });
    if (migrated)
        qCDebug(lcHistory) << "history" << m_path << "migrated from schema" << from << "to" << SchemaVersion;
    return migrated;
}

Result<BatchPlan> HistoryDatabase::createBatch(const QString &name, const QList<QByteArray> &urls, const BatchSettings &settings,
                                               const QList<TaskId> &retryOf)
{
    // One transaction: the batch and every task appear together, and the tasks' ids are
    // consecutive because no other writer can come between them.
    Result<BatchPlan> created = inTransaction<BatchPlan>(u"BEGIN IMMEDIATE"_s, [&]() -> Result<BatchPlan> {
        QSqlQuery insertBatch(*m_db);
        if (Result<> ready = prepare(insertBatch, u"INSERT INTO batches (name, created_at, settings, owner) VALUES (?, ?, ?, ?)"_s); !ready)
            return ready.failure();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        insertBatch.addBindValue(name);
        insertBatch.addBindValue(now);
        insertBatch.addBindValue(settingsToJson(settings));
        insertBatch.addBindValue(m_owner);
        if (Result<> inserted = run(insertBatch); !inserted)
            return inserted.failure();
        BatchPlan plan{insertBatch.lastInsertId().toULongLong(), name, settings, urls, {}};
        plan.taskIds.reserve(urls.size());
        Result<SqliteStatement> insertTask =
            SqliteStatement::prepare(*m_db, "INSERT INTO tasks (batch_id, url, queued_at, retry_of) VALUES (?1, ?2, ?3, ?4)", m_path);
        if (!insertTask)
            return insertTask.failure();
        for (qsizetype i = 0; i < urls.size(); ++i) {
            insertTask->bind(1, qint64(plan.id));
            insertTask->bind(2, urls[i]);
            insertTask->bind(3, now);
            if (i < retryOf.size() && retryOf[i] > 0)
                insertTask->bind(4, qint64(retryOf[i]));
            else
                insertTask->bindNull(4);
            if (Result<> inserted = insertTask->run(); !inserted)
                return inserted.failure();
            plan.taskIds.append(TaskId(insertTask->lastInsertId()));
        }
        if (!retryOf.isEmpty()) {
            QSqlQuery link(*m_db);
            if (Result<> ready = prepare(link, u"UPDATE batches SET retry_of = (SELECT batch_id FROM tasks WHERE id = ?) WHERE id = ?"_s); !ready)
                return ready.failure();
            link.addBindValue(retryOf.first());
            link.addBindValue(plan.id);
            if (Result<> linked = run(link); !linked)
                return linked.failure();
        }
        return plan;
    });
    if (created)
        m_ownBatches.insert(created->id);
    return created;
}

Result<qsizetype> HistoryDatabase::record(const EngineUpdate &update)
{
    // Only ends are written. A row that says "queued" is resumed the same as one that said
    // "running" when its process dies, and running tasks are shown from the engine, live; the
    // write of every start and every progress report cost more than the fetches themselves.
    const auto written = [this](const TaskRecord &task) { return isTerminal(task.state) && m_ownBatches.count(task.batch) > 0; };
    const qsizetype ends = std::count_if(update.tasks.cbegin(), update.tasks.cend(), written);
    if (ends == 0)
        return 0;
    Result<SqliteStatement> write = SqliteStatement::prepare(
        *m_db,
        "UPDATE tasks SET state = ?1, worker = ?2, attempts = ?3, http_status = ?4, bytes = ?5, final_url = ?6, error = ?7,"
        " cancel_reason = ?8, queued_at = ?9, started_at = ?10, finished_at = ?11, queued_ms = ?12, run_ms = ?13, error_kind = ?14,"
        " file = ?15, timings = ?16, note = ?17 WHERE id = ?18",
        m_path);
    if (!write)
        return write.failure();
    // A resumed task numbers its attempts from 1 again; those replace the rows of the run
    // that died.
    Result<SqliteStatement> attempt = SqliteStatement::prepare(
        *m_db, "INSERT OR REPLACE INTO attempts (task_id, attempt, http_status, error, error_kind, timings) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        m_path);
    if (!attempt)
        return attempt.failure();
    const auto bindTime = [](SqliteStatement &statement, int index, qint64 utcMs) {
        if (utcMs < 0)
            statement.bindNull(index);
        else
            statement.bind(index, utcMs);
    };
    const auto bindStatus = [](SqliteStatement &statement, int index, int status) {
        if (status > 0)
            statement.bind(index, qint64(status));
        else
            statement.bindNull(index);
    };
    const Result<> done = inTransaction<void>(u"BEGIN"_s, [&]() -> Result<> {
        for (const TaskRecord &task : update.tasks) {
            if (!written(task))
                continue;
            const TaskRow row = TaskRow::from(task);
            write->bind(1, row.state);
            write->bind(2, row.worker);
            write->bind(3, qint64(row.attempts));
            bindStatus(*write, 4, row.httpStatus);
            write->bind(5, row.bytes);
            write->bind(6, row.finalUrl);
            write->bind(7, row.error);
            write->bind(8, row.cancelReason);
            bindTime(*write, 9, row.queuedAt);
            bindTime(*write, 10, row.startedAt);
            bindTime(*write, 11, row.finishedAt);
            write->bind(12, row.queuedMs);
            write->bind(13, row.runMs);
            write->bind(14, row.errorKind);
            write->bind(15, row.file);
            write->bind(16, timingsText(row.timings));
            write->bind(17, row.note);
            write->bind(18, qint64(row.id));
            if (Result<> written = write->run(); !written)
                return written;
            for (qsizetype n = 0; n < task.attemptLog.size(); ++n) {
                const AttemptRecord &ended = task.attemptLog[n];
                attempt->bind(1, qint64(task.id));
                attempt->bind(2, qint64(n + 1));
                bindStatus(*attempt, 3, ended.httpStatus);
                attempt->bind(4, ended.error);
                attempt->bind(5, errorKindName(ended.errorKind));
                attempt->bind(6, timingsText(ended.timings));
                if (Result<> written = attempt->run(); !written)
                    return written;
            }
        }
        return {};
    });
    if (!done)
        return done.failure();
    return ends;
}

bool HistoryDatabase::ownerIsGone(const QString &owner)
{
    if (owner == m_owner)
        return false;
    // A lock its owner still holds cannot be taken; one whose process died can (QLockFile
    // sees that the recorded process no longer runs).
    QLockFile lock(m_path + u".runs/"_s + owner + u".lock"_s);
    lock.setStaleLockTime(0);
    if (!lock.tryLock(0))
        return false;
    lock.unlock(); // removes the file: the run is over
    return true;
}

HistoryBatch HistoryDatabase::batchFromQuery(const QSqlQuery &query) const
{
    HistoryBatch batch;
    batch.id = query.value(0).toULongLong();
    batch.name = query.value(1).toString();
    batch.createdAt = query.value(2).toLongLong();
    batch.settings = settingsFromJson(query.value(3).toString());
    batch.retryOf = query.value(4).toULongLong();
    batch.total = query.value(5).toInt();
    batch.succeeded = query.value(6).toInt();
    batch.failed = query.value(7).toInt();
    batch.cancelled = query.value(8).toInt();
    batch.unfinished = query.value(9).toInt();
    const qint64 firstStart = query.value(10).toLongLong();
    const qint64 lastFinish = query.value(11).toLongLong();
    batch.elapsedMs = !query.value(10).isNull() && !query.value(11).isNull() ? std::max<qint64>(0, lastFinish - firstStart) : 0;
    batch.sumRunMs = query.value(12).toLongLong();
    return batch;
}

namespace {
const QString BatchSummarySelect =
    u"SELECT b.id, b.name, b.created_at, b.settings, b.retry_of, COUNT(t.id),"
    " SUM(t.state = 'succeeded'), SUM(t.state = 'failed'), SUM(t.state = 'cancelled'),"
    " SUM(t.state IN ('queued', 'running')), MIN(t.started_at), MAX(t.finished_at), SUM(t.run_ms), b.owner"
    " FROM batches b LEFT JOIN tasks t ON t.batch_id = b.id"_s;
} // namespace

Result<QList<HistoryBatch>> HistoryDatabase::orphaned()
{
    QSqlQuery query(*m_db);
    if (Result<> ready = prepare(query, BatchSummarySelect + u" WHERE b.id IN (SELECT DISTINCT batch_id FROM tasks WHERE "_s
                                            + QLatin1StringView(Unfinished) + u") GROUP BY b.id ORDER BY b.id"_s);
        !ready)
        return ready.failure();
    if (Result<> done = run(query); !done)
        return done.failure();
    QList<HistoryBatch> found;
    while (query.next()) {
        if (ownerIsGone(query.value(13).toString()))
            found.append(batchFromQuery(query));
    }
    // next() is false at the end and on an error alike.
    if (query.lastError().isValid())
        return failure(query.lastError());
    return found;
}

Result<QList<BatchPlan>> HistoryDatabase::takeOver(const QList<BatchId> &ids)
{
    QSqlQuery owner(*m_db);
    QSqlQuery take(*m_db);
    QSqlQuery tasks(*m_db);
    if (Result<> ready = prepare(owner, u"SELECT owner, name, settings FROM batches WHERE id = ?"_s); !ready)
        return ready.failure();
    if (Result<> ready = prepare(take, u"UPDATE batches SET owner = ? WHERE id = ? AND owner = ?"_s); !ready)
        return ready.failure();
    if (Result<> ready = prepare(tasks, u"SELECT id, url FROM tasks WHERE batch_id = ? AND "_s + QLatin1StringView(Unfinished) + u" ORDER BY id"_s);
        !ready)
        return ready.failure();
    QList<BatchPlan> plans;
    for (const BatchId id : ids) {
        owner.bindValue(0, id);
        if (Result<> found = run(owner); !found)
            return found.failure();
        if (!owner.next()) {
            if (owner.lastError().isValid())
                return failure(owner.lastError());
            continue; // no such batch
        }
        const QString previous = owner.value(0).toString();
        BatchPlan plan{id, owner.value(1).toString(), settingsFromJson(owner.value(2).toString()), {}, {}};
        owner.finish();
        // Checked again inside the transaction: of two processes claiming, one wins.
        if (!ownerIsGone(previous))
            continue;
        take.bindValue(0, m_owner);
        take.bindValue(1, id);
        take.bindValue(2, previous);
        if (Result<> taken = run(take); !taken)
            return taken.failure();
        if (take.numRowsAffected() != 1)
            continue;
        tasks.bindValue(0, id);
        if (Result<> listed = run(tasks); !listed)
            return listed.failure();
        while (tasks.next()) {
            plan.taskIds.append(tasks.value(0).toULongLong());
            plan.urls.append(tasks.value(1).toString().toUtf8());
        }
        if (tasks.lastError().isValid())
            return failure(tasks.lastError());
        plans.append(plan);
    }
    return plans;
}

Result<QList<BatchPlan>> HistoryDatabase::claim(const QList<BatchId> &ids)
{
    Result<QList<BatchPlan>> claimed = inTransaction<QList<BatchPlan>>(u"BEGIN IMMEDIATE"_s, [&]() -> Result<QList<BatchPlan>> {
        Result<QList<BatchPlan>> plans = takeOver(ids);
        if (!plans)
            return plans;
        // Whatever was running when its process died starts again from the queue.
        QSqlQuery requeue(*m_db);
        if (Result<> ready = prepare(requeue, u"UPDATE tasks SET state = 'queued', worker = NULL WHERE batch_id = ? AND state = 'running'"_s);
            !ready)
            return ready.failure();
        for (const BatchPlan &plan : std::as_const(*plans)) {
            requeue.bindValue(0, plan.id);
            if (Result<> done = run(requeue); !done)
                return done.failure();
        }
        return plans;
    });
    if (claimed) {
        for (const BatchPlan &plan : std::as_const(*claimed))
            m_ownBatches.insert(plan.id);
    }
    return claimed;
}

Result<> HistoryDatabase::discard(const QList<BatchId> &ids)
{
    return inTransaction<void>(u"BEGIN IMMEDIATE"_s, [&]() -> Result<> {
        const Result<QList<BatchPlan>> plans = takeOver(ids);
        if (!plans)
            return plans.failure();
        QSqlQuery cancel(*m_db);
        if (Result<> ready = prepare(cancel, u"UPDATE tasks SET state = 'cancelled', cancel_reason = 'not resumed',"
                                             " error = 'not resumed after its run ended unexpectedly', error_kind = 'cancelled', finished_at = ?"
                                             " WHERE batch_id = ? AND "_s + QLatin1StringView(Unfinished));
            !ready)
            return ready;
        for (const BatchPlan &plan : *plans) {
            cancel.bindValue(0, QDateTime::currentMSecsSinceEpoch());
            cancel.bindValue(1, plan.id);
            if (Result<> done = run(cancel); !done)
                return done;
        }
        return {};
    });
}

Result<QList<HistoryBatch>> HistoryDatabase::batches(int newestFirstLimit)
{
    QSqlQuery query(*m_db);
    if (Result<> ready = prepare(query, BatchSummarySelect + u" GROUP BY b.id ORDER BY b.id DESC LIMIT ?"_s); !ready)
        return ready.failure();
    query.addBindValue(newestFirstLimit);
    if (Result<> done = run(query); !done)
        return done.failure();
    QList<HistoryBatch> found;
    while (query.next())
        found.append(batchFromQuery(query));
    if (query.lastError().isValid())
        return failure(query.lastError());
    return found;
}

Result<HistoryBatch> HistoryDatabase::batch(BatchId id)
{
    QSqlQuery query(*m_db);
    if (Result<> ready = prepare(query, BatchSummarySelect + u" WHERE b.id = ? GROUP BY b.id"_s); !ready)
        return ready.failure();
    query.addBindValue(id);
    if (Result<> done = run(query); !done)
        return done.failure();
    if (query.next())
        return batchFromQuery(query);
    if (query.lastError().isValid())
        return failure(query.lastError());
    return Failure{ErrorKind::Invalid, u"no batch %1 in %2"_s.arg(id).arg(m_path)};
}

Result<QList<AttemptRecord>> HistoryDatabase::attempts(TaskId task)
{
    QSqlQuery query(*m_db);
    if (Result<> ready = prepare(query, u"SELECT http_status, error_kind, error, timings FROM attempts WHERE task_id = ? ORDER BY attempt"_s); !ready)
        return ready.failure();
    query.addBindValue(task);
    if (Result<> done = run(query); !done)
        return done.failure();
    QList<AttemptRecord> found;
    while (query.next())
        found.append({query.value(0).toInt(), errorKindNamed(query.value(1).toString()), query.value(2).toString(), timingsFrom(query.value(3))});
    if (query.lastError().isValid())
        return failure(query.lastError());
    return found;
}

Result<QList<TaskSpan>> HistoryDatabase::spans(BatchId batch)
{
    QSqlQuery query(*m_db);
    query.setForwardOnly(true);
    if (Result<> ready = prepare(query, u"SELECT a.task_id, a.http_status, a.error_kind, a.timings FROM attempts a"
                                         " JOIN tasks t ON t.id = a.task_id WHERE t.batch_id = ? ORDER BY a.task_id, a.attempt"_s);
        !ready)
        return ready.failure();
    query.addBindValue(batch);
    if (Result<> done = run(query); !done)
        return done.failure();
    QHash<TaskId, std::vector<TaskSpan::Attempt>> attempts;
    while (query.next())
        attempts[query.value(0).toULongLong()].push_back({timingsFrom(query.value(3)), query.value(1).toInt(), errorKindNamed(query.value(2).toString())});
    if (query.lastError().isValid())
        return failure(query.lastError());
    QList<TaskSpan> spans;
    const Result<> read = forEachTask(batch, [&](const TaskRow &row) {
        if (row.startedAt < 0 || row.finishedAt < row.startedAt)
            return; // never ran, or still running when last recorded
        TaskSpan span;
        span.id = row.id;
        span.batch = row.batch;
        span.url = row.url;
        span.worker = row.worker;
        span.state = stateNamed(row.state);
        span.httpStatus = row.httpStatus;
        span.error = row.error;
        span.startedAt = row.startedAt;
        span.finishedAt = row.finishedAt;
        span.attempts = attempts.take(row.id);
        spans.append(std::move(span));
    });
    if (!read)
        return read.failure();
    return spans;
}

Result<> HistoryDatabase::forEachTask(BatchId batch, const std::function<void(const TaskRow &)> &visit)
{
    QSqlQuery query(*m_db);
    query.setForwardOnly(true); // rows stream through; a batch of 100,000 is never held whole
    const QString columns = u"SELECT id, batch_id, url, final_url, worker, state, http_status, attempts, bytes, queued_ms, run_ms,"
                            " error, error_kind, cancel_reason, queued_at, started_at, finished_at, retry_of, file, timings, note FROM tasks"_s;
    if (Result<> ready = prepare(query, batch ? columns + u" WHERE batch_id = ? ORDER BY id"_s : columns + u" ORDER BY id"_s); !ready)
        return ready;
    if (batch)
        query.addBindValue(batch);
    if (Result<> done = run(query); !done)
        return done;
    const auto time = [&query](int column) { return query.value(column).isNull() ? qint64(-1) : query.value(column).toLongLong(); };
    while (query.next()) {
        TaskRow row;
        row.id = query.value(0).toULongLong();
        row.batch = query.value(1).toULongLong();
        row.url = query.value(2).toString();
        row.finalUrl = query.value(3).toString();
        row.worker = query.value(4).toString();
        row.state = query.value(5).toString();
        row.httpStatus = query.value(6).toInt();
        row.attempts = query.value(7).toInt();
        row.bytes = query.value(8).toLongLong();
        row.queuedMs = query.value(9).toLongLong();
        row.runMs = query.value(10).toLongLong();
        row.error = query.value(11).toString();
        row.errorKind = query.value(12).toString();
        row.cancelReason = query.value(13).toString();
        row.queuedAt = time(14);
        row.startedAt = time(15);
        row.finishedAt = time(16);
        row.retryOf = query.value(17).toULongLong();
        row.file = query.value(18).toString();
        row.timings = timingsFrom(query.value(19));
        row.note = query.value(20).toString();
        visit(row);
    }
    // A damaged page ends the rows as the end of the table does; only the error tells them apart.
    if (query.lastError().isValid())
        return failure(query.lastError());
    return {};
}

} // namespace loopscope
