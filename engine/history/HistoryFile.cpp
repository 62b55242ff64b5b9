#include "HistoryFile.h"

#include "HistoryDatabase.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStorageInfo>

#include <sqlite3.h>

using namespace Qt::StringLiterals;

namespace loopscope::HistoryFile {

namespace {
// A disk with less than this free cannot take a batch's records.
constexpr qint64 FullBelowBytes = 1024 * 1024;

const QStringList &companions()
{
    static const QStringList suffixes{u""_s, u"-wal"_s, u"-shm"_s};
    return suffixes;
}

// A connection that closes itself.
struct Connection {
    sqlite3 *db = nullptr;
    ~Connection() { sqlite3_close(db); }
    QString error() const { return QString::fromUtf8(sqlite3_errmsg(db)); }
};

struct Statement {
    sqlite3_stmt *statement = nullptr;
    ~Statement() { sqlite3_finalize(statement); }
};

// What SQLite says when the file is opened and read through, and then asked for a write lock;
// SQLITE_OK when it is fine.
int sqliteVerdict(const QString &path)
{
    Connection connection;
    int code = sqlite3_open_v2(QFile::encodeName(path).constData(), &connection.db, SQLITE_OPEN_READWRITE, nullptr);
    const auto step = [&](const char *sql) {
        if (code != SQLITE_OK)
            return;
        Statement statement;
        code = sqlite3_prepare_v2(connection.db, sql, -1, &statement.statement, nullptr);
        while (code == SQLITE_OK || code == SQLITE_ROW) {
            code = sqlite3_step(statement.statement);
            if (code == SQLITE_ROW && sqlite3_column_count(statement.statement) == 1) {
                const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(statement.statement, 0));
                if (text && qstrcmp(text, "ok") != 0)
                    code = SQLITE_CORRUPT; // quick_check lists what it found
            }
        }
        if (code == SQLITE_DONE)
            code = SQLITE_OK;
    };
    step("PRAGMA quick_check(1)");
    step("BEGIN IMMEDIATE");
    step("ROLLBACK");
    return code & 0xff; // the primary code of an extended one
}

bool isWritable(const QString &path)
{
    const QFileInfo file(path);
    return (!file.exists() || file.isWritable()) && QFileInfo(file.absolutePath()).isWritable();
}
} // namespace

Trouble fileSystemTroubleOf(const QString &path)
{
    if (!isWritable(path))
        return Trouble::ReadOnly;
    const QStorageInfo storage(QFileInfo(path).absolutePath());
    if (storage.isValid() && storage.bytesAvailable() < FullBelowBytes)
        return Trouble::Full;
    return Trouble::Other;
}

QString troubleText(Trouble trouble)
{
    switch (trouble) {
    case Trouble::Damaged: return u"damaged"_s;
    case Trouble::ReadOnly: return u"read-only"_s;
    case Trouble::Full: return u"disk full"_s;
    case Trouble::Busy: return u"in use by another process"_s;
    case Trouble::Other: break;
    }
    return {};
}

Trouble troubleOf(const QString &path)
{
    // A read-only folder or disk makes SQLite fail in other ways first (it cannot make its
    // -shm file), and a full one as an I/O error: asked of the file system before SQLite.
    if (const Trouble seen = fileSystemTroubleOf(path); seen != Trouble::Other)
        return seen;
    switch (sqliteVerdict(path)) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return Trouble::Damaged;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return Trouble::Busy;
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return Trouble::ReadOnly;
    case SQLITE_FULL:
        return Trouble::Full;
    default:
        return Trouble::Other;
    }
}

QString damagedName(const QString &path, const QDateTime &at)
{
    return path + u".damaged-"_s + at.toString(u"yyyy-MM-dd-HHmmss"_s);
}

Result<QString> moveAside(const QString &path, const QDateTime &at)
{
    const QString aside = damagedName(path, at);
    for (const QString &suffix : companions()) {
        if (QFileInfo::exists(aside + suffix))
            return Failure{ErrorKind::Disk, u"cannot move %1 aside: %2 exists"_s.arg(path, aside + suffix)};
    }
    for (const QString &suffix : companions()) {
        QFile file(path + suffix);
        if (file.exists() && !file.rename(aside + suffix))
            return Failure{ErrorKind::Disk, u"cannot move %1 to %2: %3"_s.arg(file.fileName(), aside + suffix, file.errorString())};
    }
    return aside;
}

namespace {
// The columns of table both files have, as "a, b, c": an older file has fewer.
QByteArray sharedColumns(Connection &from, Connection &to, const char *table)
{
    const auto columns = [table](Connection &c) {
        QList<QByteArray> names;
        Statement info;
        const QByteArray sql = "PRAGMA table_info(" + QByteArray(table) + ')';
        if (sqlite3_prepare_v2(c.db, sql.constData(), -1, &info.statement, nullptr) == SQLITE_OK) {
            while (sqlite3_step(info.statement) == SQLITE_ROW)
                names << reinterpret_cast<const char *>(sqlite3_column_text(info.statement, 1));
        }
        return names;
    };
    const QList<QByteArray> old = columns(from);
    QList<QByteArray> shared;
    for (const QByteArray &name : columns(to)) {
        if (old.contains(name))
            shared << name;
    }
    return shared.join(", ");
}

// Copies the rows of table that can be read: forwards until a damaged page stops the reading,
// then backwards from the end down to where the forward pass stopped. The count copied.
qint64 copyReadableRows(Connection &from, Connection &to, const char *table)
{
    const QByteArray columns = sharedColumns(from, to, table);
    if (columns.isEmpty())
        return 0;
    const int count = int(columns.count(',')) + 1;
    Statement insert;
    const QByteArray placeholders = QByteArray("?, ").repeated(count - 1) + '?';
    const QByteArray sql = "INSERT OR IGNORE INTO " + QByteArray(table) + " (" + columns + ") VALUES (" + placeholders + ')';
    if (sqlite3_prepare_v2(to.db, sql.constData(), -1, &insert.statement, nullptr) != SQLITE_OK)
        return 0;
    qint64 copied = 0;
    qint64 forwardEnd = -1; // the last rowid read forwards
    for (const bool forwards : {true, false}) {
        Statement select;
        const QByteArray query = "SELECT rowid, " + columns + " FROM " + QByteArray(table)
                               + (forwards ? " ORDER BY rowid" : " WHERE rowid > ? ORDER BY rowid DESC");
        if (sqlite3_prepare_v2(from.db, query.constData(), -1, &select.statement, nullptr) != SQLITE_OK)
            continue;
        if (!forwards)
            sqlite3_bind_int64(select.statement, 1, forwardEnd);
        while (sqlite3_step(select.statement) == SQLITE_ROW) {
            if (forwards)
                forwardEnd = sqlite3_column_int64(select.statement, 0);
            for (int i = 0; i < count; ++i)
                sqlite3_bind_value(insert.statement, i + 1, sqlite3_column_value(select.statement, i + 1));
            if (sqlite3_step(insert.statement) == SQLITE_DONE)
                copied += sqlite3_changes(to.db);
            sqlite3_reset(insert.statement);
        }
    }
    return copied;
}
} // namespace

Result<Recovered> recover(const QString &path, const QDateTime &at)
{
    const auto fail = [&path](const QString &why) { return Failure{ErrorKind::Disk, u"cannot recover %1: %2"_s.arg(path, why)}; };
    const QString copy = path + u".recovered"_s;
    for (const QString &suffix : companions())
        QFile::remove(copy + suffix); // left by a recovery that was stopped: never the user's data
    {
        // The schema of this version, made as any new history is.
        Result<std::unique_ptr<HistoryDatabase>> fresh = HistoryDatabase::open(copy);
        if (!fresh)
            return fresh.failure();
    }
    QDir().rmdir(copy + u".runs"_s); // the copy's own mark of life, gone with it
    Recovered recovered;
    {
        Connection from;
        Connection to;
        if (sqlite3_open_v2(QFile::encodeName(path).constData(), &from.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
            return fail(from.error());
        if (sqlite3_open_v2(QFile::encodeName(copy).constData(), &to.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
            return fail(to.error());
        sqlite3_exec(to.db, "BEGIN", nullptr, nullptr, nullptr);
        recovered.batches = copyReadableRows(from, to, "batches");
        recovered.tasks = copyReadableRows(from, to, "tasks");
        recovered.attempts = copyReadableRows(from, to, "attempts");
        // Rows whose batch or task was on a lost page: a batch is made for such tasks, so that
        // they can be seen; attempts of a lost task tell nothing without it.
        const char *mend = "INSERT INTO batches (id, name, created_at, settings, owner)"
                           " SELECT DISTINCT batch_id, 'recovered batch ' || batch_id, 0, '{}', '' FROM tasks"
                           " WHERE batch_id NOT IN (SELECT id FROM batches);"
                           "DELETE FROM attempts WHERE task_id NOT IN (SELECT id FROM tasks);"
                           "COMMIT";
        if (sqlite3_exec(to.db, mend, nullptr, nullptr, nullptr) != SQLITE_OK)
            return fail(to.error());
    }
    if (recovered.batches + recovered.tasks == 0)
        return fail(u"no batch or task could be read from it"_s);
    Result<QString> aside = moveAside(path, at);
    if (!aside)
        return aside.failure();
    recovered.aside = *aside;
    for (const QString &suffix : companions()) {
        if (QFileInfo::exists(copy + suffix) && !QFile::rename(copy + suffix, path + suffix))
            return fail(u"cannot put the recovered copy %1 in place; the damaged file is kept as %2"_s.arg(copy, *aside));
    }
    return recovered;
}

} // namespace loopscope::HistoryFile
