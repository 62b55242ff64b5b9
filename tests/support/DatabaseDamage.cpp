#include "DatabaseDamage.h"

#include <QFile>
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

QString breakLastPage(const QString &path, const QString &table)
{
    const Layout layout = layoutOf(path, u"type = 'table' AND name = ?"_s, table);
    if (!layout.problem.isEmpty())
        return layout.problem;
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite))
        return path + u": "_s + file.errorString();
    // An interior page of a table (type 5) names its right-most child in bytes 8 to 11 of its
    // header, big-endian; with one level of interior pages, that child holds the last rows.
    if (!file.seek((layout.rootPages.first() - 1) * layout.pageSize))
        return path + u": "_s + file.errorString();
    const QByteArray header = file.read(12);
    if (header.size() != 12 || header[0] != 5)
        return path + u": the table "_s + table + u" fits in one page"_s;
    const qint64 child = (qint64(quint8(header[8])) << 24) | (quint8(header[9]) << 16) | (quint8(header[10]) << 8) | quint8(header[11]);
    return overwrite(file, child, layout.pageSize);
}

} // namespace DatabaseDamage
