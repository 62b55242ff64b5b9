#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace loopscope {

// Browsers take 256 KiB at most; no server a download tool meets needs more than a few.
constexpr qsizetype MaxHeadBytes = 100 * 1024;

// The head of the response being received; a redirect's is replaced by the next one's.
struct ResponseHead {
    int status = 0;
    QByteArray reason;
    QByteArray lines; // "Name: value\n" per header, as FetchOutcome::headers keeps them
    bool complete = false; // the blank line after the headers arrived
    qsizetype bytes = 0;   // of the header lines received

    void add(QByteArrayView name, QByteArrayView value)
    {
        lines += name;
        lines += ": ";
        lines += value;
        lines += '\n';
    }
    // The first header of that name, or an empty array.
    QByteArray header(QByteArrayView name) const
    {
        for (qsizetype from = 0; from < lines.size();) {
            const qsizetype end = lines.indexOf('\n', from);
            const QByteArrayView line(lines.constData() + from, end - from);
            if (line.size() >= name.size() + 2 && line[name.size()] == ':' && line.first(name.size()).compare(name, Qt::CaseInsensitive) == 0)
                return line.sliced(name.size() + 2).toByteArray();
            from = end + 1;
        }
        return {};
    }
    bool chunked() const { return header("Transfer-Encoding").toLower().contains("chunked"); }
    qint64 contentLength() const
    {
        bool ok = false;
        const qint64 length = header("Content-Length").trimmed().toLongLong(&ok);
        return ok && length >= 0 ? length : -1;
    }
};

// "HTTP/1.1 503 Service Unavailable\r\n" or "HTTP/2 200 \r\n": starts head anew.
void readStatusLine(QByteArrayView line, ResponseHead &head);
// "HTTP 503 Service Unavailable"
QString httpErrorText(const ResponseHead &head);

} // namespace loopscope
