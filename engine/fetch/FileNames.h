#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace loopscope {

// The name a downloaded body is saved under: the Content-Disposition's filename*= (RFC 5987
// and 6266) before its filename=, else the last segment of the final URL, else "index.html";
// whichever comes first and is still a name once made safe.
QString downloadFileName(const QByteArray &contentDisposition, const QUrl &finalUrl);

// The file name a Content-Disposition header gives, as sent (not yet safe); empty if none.
QString contentDispositionFileName(const QByteArray &header);

// A name that can only mean a file inside the folder it is joined to: the last path component
// (after the last / or \), without control or format characters, with characters that are
// unsafe in file names replaced, no leading dots, at most MaxFileNameBytes of UTF-8 (the
// extension kept). Empty when nothing usable is left ("", ".", "..").
QString safeFileName(const QString &name);
constexpr qsizetype MaxFileNameBytes = 200;

// "name (n).ext": the n-th alternative to a name already taken.
QString numberedFileName(const QString &name, int n);

} // namespace loopscope
