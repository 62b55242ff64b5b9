#pragma once

#include "Result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUrl>

class QIODevice;

namespace loopscope {

// A line that could not be queued, with where it came from.
struct RejectedLine {
    QString source; // file name, or "-" for standard input
    int line = 0;   // 1-based
    QString reason;

    QString toString() const { return source + u':' + QString::number(line) + u": " + reason; }
};

// URLs read from text: one per line; blank lines and lines starting with '#' are skipped.
struct UrlList {
    // A file that is no list at all (a log, a binary) rejects every line: the first ones
    // say enough, and a million of them would take more memory than the URLs.
    static constexpr qsizetype MaxRejectedKept = 1000;

    QList<QByteArray> urls; // each checked by fetchableUrl(), as QUrl::toEncoded() gives it
    QList<RejectedLine> rejected; // the first MaxRejectedKept
    qsizetype rejectedCount = 0;  // all of them

    void reject(RejectedLine line);
    void append(const UrlList &other);
};

// "host:port" of an http(s) URL, the scheme's default port filled in; an IPv6 literal in
// brackets ("[::1]:8080"). The per-host limit counts by it, and error texts name it.
QString hostAndPort(const QUrl &url);
// The host as a person reads it: "example.org", with the port only when the URL names one.
QString shownHost(const QUrl &url);

// "http://user@example.org:8080" of "http://user@example.org:8080/a?b": the scheme and the
// authority of an encoded URL, as a view into it. URLs that share it share their host.
QByteArrayView originOf(QByteArrayView encodedUrl);

// The line as an http(s) URL the engine can fetch, or why it is not one (ErrorKind::Invalid).
Result<QUrl> fetchableUrl(const QString &line);

// URLs as batches take them: encoded text, a fifth of a QUrl's size, parsed again as each
// task starts. A batch of a million waiting URLs is held in this form.
QList<QByteArray> encodedUrls(const QList<QUrl> &urls);

UrlList parseUrlLines(const QString &text, const QString &source);
UrlList readUrlLines(QIODevice &device, const QString &source);

} // namespace loopscope
