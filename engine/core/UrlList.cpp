#include "UrlList.h"

#include "Format.h"

#include <QIODevice>
#include <QStringView>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
// Far beyond what servers take (nginx answers 414 above 8 KiB), so such a URL is still fetched
// and the server's answer recorded; longer lines are not URLs anyone meant.
constexpr qsizetype MaxUrlLength = 32'768;

void parseLine(QStringView raw, const QString &source, int lineNumber, UrlList &out)
{
    const QString line = raw.trimmed().toString();
    if (line.isEmpty() || line.startsWith(u'#'))
        return;
    const Result<QUrl> url = fetchableUrl(line);
    if (url) {
        QByteArray encoded = url->toEncoded();
        encoded.squeeze(); // kept for as long as the task waits; toEncoded() leaves room to grow
        out.urls.append(std::move(encoded));
    }
    else
        out.rejected.append({source, lineNumber, url.error()});
}
} // namespace

void UrlList::append(const UrlList &other)
{
    // The first list is shared as it is rather than copied: a million URLs are a large list.
    if (urls.isEmpty())
        urls = other.urls;
    else
        urls.append(other.urls);
    rejected.append(other.rejected);
}

QList<QByteArray> encodedUrls(const QList<QUrl> &urls)
{
    QList<QByteArray> encoded;
    encoded.reserve(urls.size());
    for (const QUrl &url : urls)
        encoded.append(url.toEncoded());
    return encoded;
}

QByteArrayView originOf(QByteArrayView encodedUrl)
{
    const qsizetype scheme = encodedUrl.indexOf("://");
    if (scheme < 0)
        return encodedUrl;
    qsizetype end = scheme + 3;
    while (end < encodedUrl.size() && encodedUrl[end] != '/' && encodedUrl[end] != '?' && encodedUrl[end] != '#')
        ++end;
    return encodedUrl.first(end);
}

QString hostAndPort(const QUrl &url)
{
    const QString host = url.host().contains(u':') ? u'[' + url.host() + u']' : url.host();
    return host + u':' + QString::number(url.port(url.scheme() == u"https" ? 443 : 80));
}

QString shownHost(const QUrl &url)
{
    return url.port() < 0 ? url.host() : hostAndPort(url);
}

Result<QUrl> fetchableUrl(const QString &line)
{
    const auto invalid = [](const QString &why) { return Failure{ErrorKind::Invalid, why}; };
    if (line.size() > MaxUrlLength)
        return invalid(u"URL longer than %1 characters"_s.arg(formatNumber(MaxUrlLength)));
    for (const QChar c : line) {
        if (c.isSpace())
            return invalid(u"URL contains white space"_s);
    }
    const QUrl url(line, QUrl::StrictMode);
    if (!url.isValid())
        return invalid(u"not a valid URL: %1"_s.arg(url.errorString()));
    if (url.scheme().isEmpty())
        return invalid(u"not a URL (no scheme): %1"_s.arg(line.left(80)));
    if (url.scheme() != u"http" && url.scheme() != u"https")
        return invalid(u"unsupported scheme \"%1\" (only http and https)"_s.arg(url.scheme()));
    if (url.host().isEmpty())
        return invalid(u"URL has no host"_s);
    return url;
}

UrlList parseUrlLines(const QString &text, const QString &source)
{
    UrlList out;
    int lineNumber = 0;
    for (const QStringView line : QStringView(text).split(u'\n'))
        parseLine(line, source, ++lineNumber, out);
    return out;
}

UrlList readUrlLines(QIODevice &device, const QString &source)
{
    UrlList out;
    int lineNumber = 0;
    // Until readLine() gives nothing: on a pipe (a list from `<(…)` or a slow producer),
    // atEnd() is true whenever no byte has arrived yet, not only at the end.
    for (QByteArray line; !(line = device.readLine()).isEmpty();)
        parseLine(QString::fromUtf8(line), source, ++lineNumber, out);
    return out;
}

} // namespace loopscope
