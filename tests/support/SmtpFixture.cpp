#include "SmtpFixture.h"

#include <QDir>
#include <QFile>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace SmtpFixture {

QString dir()
{
    return qEnvironmentVariable("LOOPSCOPE_SMTP_DIR");
}

int port(const QString &server)
{
    QFile env(dir() + u"/ports.env");
    if (!env.open(QIODevice::ReadOnly))
        return 0;
    while (!env.atEnd()) {
        const QString line = QString::fromUtf8(env.readLine().trimmed());
        if (line.section(u'=', 0, 0) == server)
            return line.section(u'=', 1).toInt();
    }
    return 0;
}

QString caFile()
{
    return dir() + u"/ca.pem";
}

QString url(const QString &server, const QString &user)
{
    const QString userPart = user.isEmpty() ? QString() : user + u'@';
    return u"smtp://"_s + userPart + u"127.0.0.1:"_s + QString::number(port(server));
}

QStringList delivered(const QString &server, const QString &suffix)
{
    // Named 1.eml, 2.eml, …: in number order, since names sort 10 before 2.
    QDir folder(dir() + u"/mail/" + server);
    QStringList names = folder.entryList({u"*"_s + suffix}, QDir::Files);
    std::sort(names.begin(), names.end(), [&suffix](const QString &a, const QString &b) {
        return a.chopped(suffix.size()).toInt() < b.chopped(suffix.size()).toInt();
    });
    QStringList files;
    for (const QString &name : std::as_const(names))
        files << folder.filePath(name);
    return files;
}

QByteArray lastDelivered(const QString &server, const QString &suffix)
{
    const QStringList files = delivered(server, suffix);
    QFile file(files.isEmpty() ? QString() : files.last());
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QStringList refusals(const QString &server)
{
    QFile log(dir() + u"/mail/" + server + u"/refusals.log");
    if (!log.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(log.readAll()).split(u'\n', Qt::SkipEmptyParts);
}

} // namespace SmtpFixture
