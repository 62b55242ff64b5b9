#include "ProxyEnvironment.h"

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
QString firstSet(const QProcessEnvironment &environment, std::initializer_list<QString> names)
{
    for (const QString &name : names) {
        const QString value = environment.value(name).trimmed();
        if (!value.isEmpty())
            return value;
    }
    return {};
}

bool bypassed(const QString &host, const QString &noProxy)
{
    const QString name = host.toLower();
    for (QString entry : noProxy.split(u',', Qt::SkipEmptyParts)) {
        entry = entry.trimmed().toLower();
        if (entry == u"*")
            return true;
        if (entry.startsWith(u'.'))
            entry.remove(0, 1);
        if (entry.isEmpty())
            continue;
        if (name == entry || name.endsWith(u'.' + entry))
            return true;
    }
    return false;
}
} // namespace

QString proxyFor(const QUrl &url, const QString &given, const QProcessEnvironment &environment)
{
    if (!given.isEmpty())
        return given;
    const bool https = url.scheme() == u"https";
    const QString proxy = https ? firstSet(environment, {u"https_proxy"_s, u"HTTPS_PROXY"_s, u"all_proxy"_s, u"ALL_PROXY"_s})
                                : firstSet(environment, {u"http_proxy"_s, u"all_proxy"_s, u"ALL_PROXY"_s});
    if (proxy.isEmpty() || bypassed(url.host(), firstSet(environment, {u"no_proxy"_s, u"NO_PROXY"_s})))
        return {};
    return proxy;
}

QString proxyFor(const QUrl &url, const QString &given)
{
    if (!given.isEmpty())
        return given;
    static const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    static const bool anyProxy = !firstSet(environment, {u"https_proxy"_s, u"HTTPS_PROXY"_s, u"http_proxy"_s, u"all_proxy"_s, u"ALL_PROXY"_s}).isEmpty();
    if (!anyProxy)
        return {};
    return proxyFor(url, given, environment);
}

} // namespace loopscope
