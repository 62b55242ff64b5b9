#pragma once
// The nginx that the ctest fixture in tests/nginx starts: the files it writes into
// LOOPSCOPE_NGINX_DIR say where it listens (port, tls-port, proxy-port, ipv6) and hold its
// certificates and logs.
#include <QFile>
#include <QString>

using namespace Qt::StringLiterals;

inline QString nginxPath(const QString &name)
{
    return qEnvironmentVariable("LOOPSCOPE_NGINX_DIR") + u'/' + name;
}

// The file's text, trimmed; empty when the fixture did not write it.
inline QString nginxFile(const QString &name)
{
    QFile file(nginxPath(name));
    return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll().trimmed()) : QString();
}

// "http://127.0.0.1:PORT"; empty when the fixture is not running.
inline QString nginxBase()
{
    const QString port = nginxFile(u"port"_s);
    return port.isEmpty() ? QString() : u"http://127.0.0.1:"_s + port;
}
