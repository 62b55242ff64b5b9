// A server's Retry-After, in seconds or as an HTTP date: the wait before a task's next attempt.
#include "FuzzChecks.h"

#include "RetryAfter.h"

using namespace loopscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Today, and a day on which the two-digit years of RFC 850 dates turn to the next century.
    static const QDateTime nows[] = {QDateTime(QDate(2024, 5, 1), QTime(12, 0), Qt::UTC),
                                     QDateTime(QDate(2049, 12, 31), QTime(23, 59, 59), Qt::UTC)};
    const QByteArrayView value(data, qsizetype(size));
    for (const QDateTime &now : nows) {
        const std::optional<qint64> wait = retryAfterMs(value, now);
        fuzz::require(!wait || *wait >= 0, "a wait is never negative: a date in the past asks for none");
    }
    return 0;
}
