#include "ResponseHead.h"

using namespace Qt::StringLiterals;

namespace loopscope {

void readStatusLine(QByteArrayView line, ResponseHead &head)
{
    // "VERSION STATUS [REASON]", read in place: it comes once per response.
    const QByteArrayView trimmed = line.trimmed();
    const qsizetype afterVersion = trimmed.indexOf(' ');
    const QByteArrayView rest = afterVersion < 0 ? QByteArrayView() : trimmed.sliced(afterVersion + 1).trimmed();
    const qsizetype afterStatus = rest.indexOf(' ');
    head = ResponseHead();
    head.status = (afterStatus < 0 ? rest : rest.first(afterStatus)).toInt();
    if (afterStatus >= 0)
        head.reason = rest.sliced(afterStatus + 1).trimmed().toByteArray();
}

QString httpErrorText(const ResponseHead &head)
{
    return head.reason.isEmpty() ? u"HTTP %1"_s.arg(head.status) : u"HTTP %1 %2"_s.arg(head.status).arg(QString::fromLatin1(head.reason));
}

} // namespace loopscope
