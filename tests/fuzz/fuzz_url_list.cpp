// URL lists (`loopscope fetch FILE`, standard input): read from a device and parsed as text, and
// the escapes that error messages show a line's text in.
#include "FuzzChecks.h"

#include "Format.h"
#include "UrlList.h"

#include <QBuffer>

#include <cstring>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
void checkList(const UrlList &list)
{
    fuzz::require(list.rejected.size() <= std::min(list.rejectedCount, UrlList::MaxRejectedKept),
                  "rejected lines are all counted, and at most MaxRejectedKept kept");
    for (const QByteArray &encoded : list.urls)
        fuzz::require(fuzz::parsesAgain(encoded), "a URL kept parses again as an http(s) URL with a host", QString::fromLatin1(encoded));
    for (const RejectedLine &line : list.rejected) {
        const QString shown = line.toString();
        fuzz::require(fuzz::showable(shown), "why a line was rejected can be printed to a terminal", shown);
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    QBuffer list;
    list.setData(bytes);
    list.open(QIODevice::ReadOnly);
    checkList(readUrlLines(list, u"list.txt"_s));

    const QString text = QString::fromUtf8(bytes);
    checkList(parseUrlLines(text, u"list.txt"_s));

    // UTF-8 never decodes to a lone surrogate; the same bytes as UTF-16 units can hold them.
    QString units(qsizetype(size / 2), Qt::Uninitialized);
    std::memcpy(units.data(), data, size_t(units.size()) * 2);
    for (const QString &shown : {escaped(text), quoted(text), escaped(text, text.size()), escaped(units), quoted(units, units.size())})
        fuzz::require(fuzz::showable(shown), "escaped() and quoted() leave no character that drives a terminal", shown);
    return 0;
}
