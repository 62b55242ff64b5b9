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

// A line is read in pieces of at most this many bytes (UTF-8 takes up to 3 bytes for each
// UTF-16 unit, and a line ends in CR LF), so reading stays bounded whatever a line holds.
constexpr qsizetype MaxLineBytes = 3 * MaxUrlLength + 2;

Failure invalid(const QString &why)
{
    return Failure{ErrorKind::Invalid, why};
}

Failure tooLong()
{
    return invalid(u"URL longer than %1 characters"_s.arg(formatNumber(MaxUrlLength)));
}

void parseLine(QStringView raw, const QString &source, int lineNumber, UrlList &out)
{
    const QStringView line = raw.trimmed();
    if (line.isEmpty() || line.startsWith(u'#'))
        return;
    // Checked before the line is copied: a list may hold one line of 200 MB.
    const Result<QUrl> url = line.size() > MaxUrlLength ? Result<QUrl>(tooLong()) : fetchableUrl(line.toString());
    if (url) {
        QByteArray encoded = url->toEncoded();
        encoded.squeeze(); // kept for as long as the task waits; toEncoded() leaves room to grow
        out.urls.append(std::move(encoded));
    }
    else
        out.reject({source, lineNumber, url.error()});
}

// What QUrl says is wrong, without the copy of the whole text it appends to it.
QString qurlProblem(const QUrl &url)
{
    const QString problem = url.errorString();
    const qsizetype source = problem.indexOf(u"; source was"_s);
    return source < 0 ? problem : problem.left(source);
}
} // namespace

void UrlList::append(const UrlList &other)
{
    // The first list is shared as it is rather than copied: a million URLs are a large list.
    if (urls.isEmpty())
        urls = other.urls;
    else
        urls.append(other.urls);
    const QList<RejectedLine> lines = other.rejected; // shared: other may be this list
    rejectedCount += other.rejectedCount;
    for (const RejectedLine &line : lines.first(std::min(lines.size(), MaxRejectedKept - rejected.size())))
        rejected.append(line);
}

void UrlList::reject(RejectedLine line)
{
    if (rejected.size() < MaxRejectedKept)
        rejected.append(std::move(line));
    ++rejectedCount;
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
    if (line.size() > MaxUrlLength)
        return tooLong();
    for (qsizetype i = 0, column = 1; i < line.size(); ++i, ++column) {
        char32_t c = line[i].unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < line.size() && line[i + 1].isLowSurrogate())
            c = QChar::surrogateToUcs4(char16_t(c), line[++i].unicode());
        if (QChar::isSpace(c))
            return invalid(u"URL contains white space"_s);
        // QUrl would drop some (a zero-width space in a host) and fetch another URL than the
        // one the line seems to hold.
        if (isInvisible(c))
            return invalid(u"URL contains an invisible character (U+%1) at column %2"_s.arg(QString::number(uint(c), 16).toUpper().rightJustified(4, u'0'))
                               .arg(column));
    }
    const QUrl url(line, QUrl::StrictMode);
    if (!url.isValid())
        return invalid(u"not a valid URL (%1): %2"_s.arg(qurlProblem(url), quoted(line)));
    if (url.scheme().isEmpty())
        return invalid(u"not a URL (no scheme): %1"_s.arg(quoted(line)));
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
    QByteArray buffer(MaxLineBytes + 1, Qt::Uninitialized); // readLine() adds a '\0'
    // Until readLine() gives nothing: on a pipe (a list from `<(…)` or a slow producer),
    // atEnd() is true whenever no byte has arrived yet, not only at the end.
    for (qint64 length; (length = device.readLine(buffer.data(), buffer.size())) > 0;) {
        const QByteArrayView line(buffer.constData(), length);
        ++lineNumber;
        if (length == MaxLineBytes && !line.endsWith('\n')) {
            // The rest of the line is read and dropped piece by piece.
            for (qint64 rest; (rest = device.readLine(buffer.data(), buffer.size())) > 0 && buffer[rest - 1] != '\n';) {
            }
            out.reject({source, lineNumber, tooLong().message});
        } else if (!line.isValidUtf8()) {
            out.reject({source, lineNumber, u"not UTF-8 text"_s});
        } else {
            parseLine(QString::fromUtf8(line), source, lineNumber, out);
        }
    }
    return out;
}

} // namespace loopscope
