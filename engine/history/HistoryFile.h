#pragma once

#include "Result.h"

#include <QDateTime>
#include <QString>

namespace loopscope {

// The history as a file on disk, for when it does not open: what is wrong with it, and the
// ways out. None of them deletes anything: a damaged file is kept beside the new one.
namespace HistoryFile {

enum class Trouble {
    Damaged,  // SQLite cannot read it: corrupt, truncated, not a database
    ReadOnly, // the file or its folder cannot be written
    Full,     // the disk it is on has no room left
    Busy,     // another process holds a lock on it
    Other,    // none of these: the error says what
};
Trouble troubleOf(const QString &path);
// The part of troubleOf() the file system alone tells (ReadOnly, Full), without opening the file:
// Other when it tells neither.
Trouble fileSystemTroubleOf(const QString &path);
// "read-only", "disk full", "in use by another process", "damaged"; empty for Other.
QString troubleText(Trouble trouble);
// "history.sqlite.damaged-2026-12-04-101500": where moveAside() keeps a file moved at `at`.
QString damagedName(const QString &path, const QDateTime &at);
// Renames the file, with its -wal and -shm if any, to damagedName(); the new name.
Result<QString> moveAside(const QString &path, const QDateTime &at);
// What recover() saved.
struct Recovered {
    QString aside; // where the damaged file was kept
    qint64 batches = 0;
    qint64 tasks = 0;
    qint64 attempts = 0;
};
// Copies every row SQLite can still read out of the damaged file into a new history, read
// forwards and then backwards from the end, as SQLite's .dump does around damaged pages (the
// sqlite3 program's .recover fails on every file in Debian 12's 3.40.1). The damaged file is
// then moved aside and the copy takes its place.
Result<Recovered> recover(const QString &path, const QDateTime &at);

} // namespace HistoryFile

} // namespace loopscope
