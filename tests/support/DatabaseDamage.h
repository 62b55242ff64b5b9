#pragma once

#include <QString>

// Damages an SQLite file on purpose, for tests of what the history does with a damaged one.
// Nothing may hold the file open (so that its WAL has been folded back into it). Each
// returns what went wrong, or an empty string.
namespace DatabaseDamage {

// Overwrites the first page of the table and of each of its indexes: every use of them then
// fails with "database disk image is malformed".
QString breakTable(const QString &path, const QString &table);

// Overwrites the table's last page of rows, leaving the first ones readable: reading the table
// through fails part way. The table must fill more than one page.
QString breakLastPage(const QString &path, const QString &table);

// Overwrites a page of rows in the middle of the table: the rows before it and after it can
// still be read, the ones on it not.
QString breakMiddlePage(const QString &path, const QString &table);

} // namespace DatabaseDamage
