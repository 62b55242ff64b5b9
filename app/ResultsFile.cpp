#include "ResultsFile.h"

#include <QIODevice>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

using namespace loopscope;

ServerErrors readServerErrors(QIODevice &results, const QString &source)
{
    ServerErrors found;
    int number = 0;
    while (!results.atEnd()) {
        const QByteArray line = results.readLine().trimmed();
        ++number;
        if (line.isEmpty())
            continue;
        const auto reject = [&](const QString &reason) { found.rejected.append({source, number, reason}); };
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        if (!document.isObject()) {
            reject(error.error != QJsonParseError::NoError ? u"not a JSON record: %1"_s.arg(error.errorString())
                                                            : u"not a JSON object"_s);
            continue;
        }
        const QJsonObject record = document.object();
        const int status = record.value(u"http_status").toInt();
        if (record.value(u"state").toString() != u"failed" || status < 500 || status > 599)
            continue;
        const Result<QUrl> url = fetchableUrl(record.value(u"url").toString());
        if (!url) {
            reject(u"its url: %1"_s.arg(url.error()));
            continue;
        }
        found.urls.append(url->toEncoded());
        found.retryOf.append(TaskId(record.value(u"id").toInteger()));
    }
    return found;
}
