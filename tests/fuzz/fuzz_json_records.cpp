// The JSON the engine reads back: a task's timings as the history keeps them, and as --jsonl
// and export write them. The engine wrote them, but a history file is anyone's to edit or damage.
#include "FuzzChecks.h"

#include "TaskRow.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
// Written out again (export, --jsonl, CSV) and read back as TaskRow promises: a phase time that
// was known is known still, and the connection's words are unchanged.
void checkTimings(const AttemptTimings &read)
{
    TaskRow row;
    row.timings = read;
    (void)row.toJson();
    (void)row.toCsv();
    QJsonObject written = TaskRow::timingsJson(read);
    const QJsonObject connection = TaskRow::connectionJson(read);
    for (auto it = connection.begin(); it != connection.end(); ++it)
        written.insert(it.key(), it.value());
    const AttemptTimings again = TaskRow::timingsFromJson(written);

    const auto sameKnown = [](double before, double after) { return (before >= 0) == (after >= 0); };
    fuzz::require(sameKnown(read.dnsMs, again.dnsMs) && sameKnown(read.connectMs, again.connectMs) && sameKnown(read.tlsMs, again.tlsMs)
                      && sameKnown(read.ttfbMs, again.ttfbMs) && sameKnown(read.totalMs, again.totalMs),
                  "a phase time written out reads back as known, or as unknown, as it was");
    fuzz::require(again.httpVersion == read.httpVersion && again.remoteIp == read.remoteIp
                      && again.reused == (read.reused && !read.remoteIp.isEmpty()),
                  "the connection's HTTP version, address and reuse read back as they were");
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QJsonObject object = QJsonDocument::fromJson(QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size))).object();
    // The history's timings column is the object itself; a --jsonl record nests the phases.
    checkTimings(TaskRow::timingsFromJson(object));
    checkTimings(TaskRow::timingsFromJson(object.value(u"timings").toObject()));
    return 0;
}
