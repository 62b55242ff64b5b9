#include "RetryAfter.h"

#include <QLocale>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
// An HTTP date: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), or the obsolete RFC 850
// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994") forms. The day
// of the week is left out: it says nothing the date does not.
QDateTime httpDate(const QString &text, const QDateTime &nowUtc)
{
    const QString simplified = text.simplified(); // asctime pads a one-digit day with a space
    const QLocale c = QLocale::c();
    QDateTime date;
    if (const qsizetype comma = simplified.indexOf(u", "); comma >= 0) {
        const QString rest = simplified.mid(comma + 2);
        date = c.toDateTime(rest, u"dd MMM yyyy HH:mm:ss 'GMT'"_s);
        if (!date.isValid()) {
            // A two-digit year more than 50 years ahead means the last century (RFC 9110).
            date = c.toDateTime(rest, u"dd-MMM-yy HH:mm:ss 'GMT'"_s);
            if (date.isValid() && date.date().year() + 100 <= nowUtc.date().year() + 50)
                date = date.addYears(100);
        }
    } else {
        date = c.toDateTime(simplified.section(u' ', 1), u"MMM d HH:mm:ss yyyy"_s);
    }
    date.setTimeSpec(Qt::UTC);
    return date;
}
} // namespace

std::optional<qint64> retryAfterMs(QByteArrayView value, const QDateTime &nowUtc)
{
    const QString text = QString::fromLatin1(value).trimmed();
    bool isNumber = false;
    const qint64 seconds = text.toLongLong(&isNumber);
    if (isNumber) {
        if (seconds < 0) // delay-seconds are digits only
            return std::nullopt;
        return std::min(seconds, std::numeric_limits<qint64>::max() / 1000) * 1000;
    }
    const QDateTime date = httpDate(text, nowUtc);
    if (!date.isValid())
        return std::nullopt;
    return std::max(qint64(0), nowUtc.msecsTo(date));
}

} // namespace loopscope
