#include "DatabaseDamage.h"

#include <QFile>
#include <functional>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

using namespace Qt::StringLiterals;

namespace DatabaseDamage {

namespace {
struct Layout {
    qint64 pageSize = 0;
    QList<qint64> rootPages; // numbered from 1
    QString problem;
};

Layout layoutOf(const QString &path, const QString &where, const QString &table)
{
    Layout layout;
    const QString connection = QUuid::createUuid().toString();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
        db.setDatabaseName(path);
        db.setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
        if (!db.open()) {
            layout.problem = path + u": cannot open"_s;
        } else {
            QSqlQuery query(db);
            if (query.exec(u"PRAGMA page_size"_s) && query.next())
                layout.pageSize = query.value(0).toLongLong();
            query.prepare(u"SELECT rootpage FROM sqlite_master WHERE "_s + where);
            query.addBindValue(table);
            if (query.exec()) {
                while (query.next())
                    layout.rootPages << query.value(0).toLongLong();
            }
            if (layout.pageSize <= 0 || layout.rootPages.isEmpty())
                layout.problem = path + u": no table "_s + table;
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return layout;
}

QString overwrite(QFile &file, qint64 page, qint64 pageSize)
{
    if (page < 2) // page 1 holds the schema: damaged, nothing opens at all
        return file.fileName() + u": will not damage page "_s + QString::number(page);
    if (!file.seek((page - 1) * pageSize) || file.write(QByteArray(pageSize, '\xff')) != pageSize)
        return file.fileName() + u": "_s + file.errorString();
    return {};
}
} // namespace

QString breakTable(const QString &path, const QString &table)
{
    const Layout layout = layoutOf(path, u"tbl_name = ?"_s, table);
    if (!layout.problem.isEmpty())
        return layout.problem;
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite))
        return path + u": "_s + file.errorString();
    for (const qint64 page : layout.rootPages) {
        if (const QString problem = overwrite(file, page, layout.pageSize); !problem.isEmpty())
            return problem;
    }
    return {};
}

namespace {
// With one level of interior pages above its rows, the page of rows that `pick` chooses
// from the number of children: 0 the first, count - 1 the last (the right-most child).
QString breakRowPage(const QString &path, const QString &table, const std::function<qint64(qint64)> &pick)
{
    const Layout layout = layoutOf(path, u"type = 'table' AND name = ?"_s, table);
    if (!layout.problem.isEmpty())
        return layout.problem;
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite))
        return path + u": "_s + file.errorString();
    // An interior page of a table (type 5): the number of its cells in bytes 3 and 4, the
    // right-most child in bytes 8 to 11, then a 2-byte pointer to each cell, whose first
    // 4 bytes name a child; all big-endian.
    const qint64 start = (layout.rootPages.first() - 1) * layout.pageSize;
    if (!file.seek(start))
        return path + u": "_s + file.errorString();
    const QByteArray page = file.read(layout.pageSize);
    if (page.size() != layout.pageSize || page[0] != 5)
        return path + u": the table "_s + table + u" fits in one page"_s;
    const auto number = [&page](qint64 at, int bytes) {
        qint64 value = 0;
        for (int i = 0; i < bytes; ++i)
            value = (value << 8) | quint8(page[at + i]);
        return value;
    };
    const qint64 cells = number(3, 2);
    const qint64 chosen = pick(cells + 1);
    const qint64 child = chosen >= cells ? number(8, 4) : number(number(12 + 2 * chosen, 2), 4);
    return overwrite(file, child, layout.pageSize);
}
} // namespace

QString breakLastPage(const QString &path, const QString &table)
{
    return breakRowPage(path, table, [](qint64 children) { return children - 1; });
}

QString breakMiddlePage(const QString &path, const QString &table)
{
    return breakRowPage(path, table, [](qint64 children) { return children / 2; });
}

} // namespace DatabaseDamage
