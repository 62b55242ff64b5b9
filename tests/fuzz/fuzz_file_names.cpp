// The name a download is saved under: the server's Content-Disposition and the URL the
// redirects ended at are both the server's to choose.
#include "FuzzChecks.h"

#include "FileNames.h"

#include <algorithm>

using namespace loopscope;

namespace {
// safeFileName()'s promise: a name that can only mean a file inside the folder it is joined to.
void checkSafe(const QString &name)
{
    fuzz::require(!name.startsWith(u'.'), "a safe name has no leading dot, so is neither \".\" nor \"..\"", name);
    fuzz::require(!name.contains(u'/') && !name.contains(u'\\'), "a safe name is a single path component", name);
    fuzz::require(std::none_of(name.begin(), name.end(),
                               [](QChar c) { return c.category() == QChar::Other_Control || c.category() == QChar::Other_Format; }),
                  "a safe name holds no control character (NUL included) or format character", name);
    fuzz::require(std::none_of(name.begin(), name.end(), [](QChar c) { return QStringView(u"<>:\"|?*").contains(c); }),
                  "a safe name holds none of the characters unsafe in file names", name);
    fuzz::require(name.toUtf8().size() <= MaxFileNameBytes, "a safe name is at most MaxFileNameBytes of UTF-8", name);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // The header up to the first line break; the final URL, encoded, after it.
    const QByteArrayView input(data, qsizetype(size));
    const qsizetype lineBreak = input.indexOf('\n');
    const QByteArray header = input.first(lineBreak < 0 ? input.size() : lineBreak).toByteArray();
    const QUrl finalUrl = QUrl::fromEncoded(lineBreak < 0 ? QByteArray() : input.sliced(lineBreak + 1).toByteArray());

    for (const QString &name : {safeFileName(contentDispositionFileName(header)), safeFileName(QString::fromUtf8(header))}) {
        if (!name.isEmpty()) // empty: nothing usable was left
            checkSafe(name);
    }

    const QString name = downloadFileName(header, finalUrl);
    fuzz::require(!name.isEmpty(), "a download always has a name");
    checkSafe(name);
    // When the name is taken, DiskLoop tries the numbered ones.
    for (const int n : {1, 42, 1'000'000})
        checkSafe(numberedFileName(name, n));
    return 0;
}
