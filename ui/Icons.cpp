#include "Icons.h"

#include <QFile>

QIcon themedIcon(const QString &resourceName, const QString &themeName)
{
    const QString path = u":/icons/" + resourceName + u".svg";
    return QFile::exists(path) ? QIcon(path) : QIcon::fromTheme(themeName);
}

QIcon stateIcon(loopscope::TaskState state)
{
    using loopscope::TaskState;
    static const QIcon icons[] = {
        themedIcon(u"queued"_qs, u"appointment-soon"_qs),
        themedIcon(u"running"_qs, u"media-playback-start"_qs),
        themedIcon(u"succeeded"_qs, u"emblem-ok"_qs),
        themedIcon(u"failed"_qs, u"dialog-error"_qs),
        themedIcon(u"cancelled"_qs, u"process-stop"_qs),
    };
    return icons[int(state)];
}
