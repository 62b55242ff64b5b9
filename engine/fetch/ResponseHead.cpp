#include "ResponseHead.h"

#include <QList>

using namespace Qt::StringLiterals;

namespace loopscope {

void readStatusLine(QByteArrayView line, ResponseHead &head)
{
    const QList<QByteArray> parts = line.trimmed().toByteArray().split(' ');
    head = ResponseHead();
    head.status = parts.size() >= 2 ? parts[1].toInt() : 0;
    if (parts.size() >= 3)
        head.reason = line.trimmed().toByteArray().mid(parts[0].size() + parts[1].size() + 2).trimmed();
}

QString httpErrorText(const ResponseHead &head)
{
    return head.reason.isEmpty() ? u"HTTP %1"_s.arg(head.status) : u"HTTP %1 %2"_s.arg(head.status).arg(QString::fromLatin1(head.reason));
}

} // namespace loopscope
