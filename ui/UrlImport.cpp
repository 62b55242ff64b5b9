#include "UrlImport.h"

#include "OnPool.h"

#include <QFile>

namespace loopscope {

QFuture<UrlList> parseUrlsInBackground(const QString &text, const QString &source)
{
    return runOnPool([text, source] { return parseUrlLines(text, source); });
}

QFuture<UrlList> readUrlFileInBackground(const QString &path)
{
    return runOnPool([path] {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return UrlList{{}, {RejectedLine{path, 0, file.errorString()}}};
        return readUrlLines(file, path);
    });
}

} // namespace loopscope
