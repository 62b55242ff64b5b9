#include "UrlImport.h"

#include <QFile>
#include <QtConcurrent>

namespace loopscope {

QFuture<UrlList> parseUrlsInBackground(const QString &text, const QString &source)
{
    return QtConcurrent::run([text, source] { return parseUrlLines(text, source); });
}

QFuture<UrlList> readUrlFileInBackground(const QString &path)
{
    return QtConcurrent::run([path] {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return UrlList{{}, {RejectedLine{path, 0, file.errorString()}}};
        return readUrlLines(file, path);
    });
}

} // namespace loopscope
