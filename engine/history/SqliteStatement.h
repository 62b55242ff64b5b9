#pragma once

#include "Result.h"

#include <QString>

struct sqlite3;
struct sqlite3_stmt;
class QSqlDatabase;

namespace loopscope {

// A prepared statement on the SQLite connection under a QSqlDatabase, for the statements run
// once per task: Qt 6.4's QSqlResult::bindValue builds a placeholder name and a hash entry for
// every value bound, which costs more than SQLite's whole write. Values are bound by position
// from 1, as in SQL. The database's transactions apply to it as to any QSqlQuery.
class SqliteStatement {
public:
    // path names the history file in errors.
    static Result<SqliteStatement> prepare(const QSqlDatabase &database, const char *sql, const QString &path);
    SqliteStatement(SqliteStatement &&other) noexcept;
    SqliteStatement &operator=(SqliteStatement &&other) = delete;
    ~SqliteStatement();

    void bind(int index, qint64 value);
    void bind(int index, double value);
    void bind(int index, const QString &text); // an empty text is bound as NULL
    void bind(int index, const QByteArray &utf8); // likewise
    void bindNull(int index);
    // Runs it with the values bound, then makes it ready for the next ones.
    Result<> run();
    qint64 lastInsertId() const;

private:
    SqliteStatement(sqlite3 *db, sqlite3_stmt *statement, const QString &path);
    Failure failure() const;

    sqlite3 *m_db;
    sqlite3_stmt *m_statement;
    QString m_path;
};

} // namespace loopscope
