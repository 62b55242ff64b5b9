#pragma once

#include "BatchRecord.h"

#include <QObject>
#include <QSet>

class QStatusBar;
class QSystemTrayIcon;
class QWidget;

namespace loopscope {

class NotificationPreferences;

// Says on the desktop when a batch has finished, once per batch and as the notification
// settings ask: through the tray where there is one, otherwise on the status bar.
class DesktopNotices : public QObject {
    Q_OBJECT
public:
    // Shows the window's icon in the system tray, where the desktop has one.
    DesktopNotices(const NotificationPreferences &preferences, QStatusBar *statusBar, QWidget *window);

    void announceFinished(const QList<BatchRecord> &batches);

private:
    const NotificationPreferences &m_preferences;
    QSystemTrayIcon *m_tray = nullptr; // null: no system tray here
    QStatusBar *m_statusBar;
    QSet<BatchId> m_announced;
};

} // namespace loopscope
