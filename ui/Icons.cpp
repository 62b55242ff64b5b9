#include "Icons.h"

#include <QFile>

using namespace Qt::StringLiterals;

namespace loopscope {

QIcon themedIcon(const QString &resourceName, const QString &themeName)
{
    const QString path = u":/icons/" + resourceName + u".svg";
    return QFile::exists(path) ? QIcon(path) : QIcon::fromTheme(themeName);
}

QIcon stateIcon(TaskState state)
{
    static const QIcon icons[] = {
        themedIcon(u"queued"_s, u"appointment-soon"_s),
        themedIcon(u"running"_s, u"media-playback-start"_s),
        themedIcon(u"succeeded"_s, u"emblem-ok"_s),
        themedIcon(u"failed"_s, u"dialog-error"_s),
        themedIcon(u"cancelled"_s, u"process-stop"_s),
    };
    return icons[int(state)];
}

} // namespace loopscope
