// The --jsonl results of an earlier run, as `loopscope refire` reads them: any file a user
// points it at, edited or cut short.
#include "FuzzChecks.h"

#include "ResultsFile.h"

#include <QBuffer>

using namespace Qt::StringLiterals;

using namespace loopscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QBuffer results;
    results.setData(QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size)));
    results.open(QIODevice::ReadOnly);
    const ServerErrors found = readServerErrors(results, u"results.jsonl"_s);

    fuzz::require(found.urls.size() == found.retryOf.size(), "each URL fired again has the id of the task it retries");
    for (const QByteArray &encoded : found.urls)
        fuzz::require(fuzz::parsesAgain(encoded), "a URL fired again parses as an http(s) URL with a host", QString::fromLatin1(encoded));
    for (const RejectedLine &line : found.rejected) {
        const QString shown = line.toString();
        fuzz::require(fuzz::showable(shown), "why a record was rejected can be printed to a terminal", shown);
    }
    return 0;
}
