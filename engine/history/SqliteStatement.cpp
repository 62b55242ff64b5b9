#include "SqliteStatement.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <sqlite3.h>

#include <utility>

using namespace Qt::StringLiterals;

namespace loopscope {

Result<SqliteStatement> SqliteStatement::prepare(const QSqlDatabase &database, const char *sql, const QString &path)
{
    // The QSQLITE driver's handle is its sqlite3 connection (Qt's documented way to reach it).
    const QVariant handle = database.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0 || !*static_cast<sqlite3 *const *>(handle.data()))
        return Failure{ErrorKind::Disk, u"history database %1: not an open SQLite connection"_s.arg(path)};
    sqlite3 *const db = *static_cast<sqlite3 *const *>(handle.data());
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK)
        return Failure{ErrorKind::Disk, u"history database %1: %2"_s.arg(path, QString::fromUtf8(sqlite3_errmsg(db)))};
    return SqliteStatement(db, statement, path);
}

SqliteStatement::SqliteStatement(sqlite3 *db, sqlite3_stmt *statement, const QString &path)
    : m_db(db)
    , m_statement(statement)
    , m_path(path)
{
}

SqliteStatement::SqliteStatement(SqliteStatement &&other) noexcept
    : m_db(other.m_db)
    , m_statement(std::exchange(other.m_statement, nullptr))
    , m_path(std::move(other.m_path))
{
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_statement); // a no-op on null
}

void SqliteStatement::bind(int index, qint64 value)
{
    sqlite3_bind_int64(m_statement, index, value);
}

void SqliteStatement::bind(int index, double value)
{
    sqlite3_bind_double(m_statement, index, value);
}

void SqliteStatement::bind(int index, const QString &text)
{
    if (text.isEmpty()) {
        bindNull(index);
        return;
    }
    bind(index, text.toUtf8());
}

void SqliteStatement::bind(int index, const QByteArray &utf8)
{
    if (utf8.isEmpty())
        bindNull(index);
    else
        sqlite3_bind_text(m_statement, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::bindNull(int index)
{
    sqlite3_bind_null(m_statement, index);
}

Result<> SqliteStatement::run()
{
    const int stepped = sqlite3_step(m_statement);
    // Read before the reset, which may put another message in its place.
    const Result<> done = stepped == SQLITE_DONE || stepped == SQLITE_ROW ? Result<>() : Result<>(failure());
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
    return done;
}

qint64 SqliteStatement::lastInsertId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

Failure SqliteStatement::failure() const
{
    return Failure{ErrorKind::Disk, u"history database %1: %2"_s.arg(m_path, QString::fromUtf8(sqlite3_errmsg(m_db)))};
}

} // namespace loopscope
