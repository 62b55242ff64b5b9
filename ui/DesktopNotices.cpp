#include "DesktopNotices.h"

#include "BatchListModel.h"
#include "NotificationPreferences.h"

#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QWidget>

namespace loopscope {

DesktopNotices::DesktopNotices(const NotificationPreferences &preferences, QStatusBar *statusBar, QWidget *window)
    : QObject(window)
    , m_preferences(preferences)
    , m_statusBar(statusBar)
{
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(window->windowIcon(), this);
        m_tray->setToolTip(window->windowTitle());
        m_tray->show();
    }
}

void DesktopNotices::announceFinished(const QList<BatchRecord> &batches)
{
    const NotificationConfig &config = m_preferences.config();
    NotificationSettings policy;
    policy.when = NotifyWhen(config.when);
    QString latest;
    for (const BatchRecord &batch : batches) {
        if (!batch.finished() || batch.kind == BatchKind::Notifications || m_announced.contains(batch.id))
            continue;
        m_announced.insert(batch.id);
        if (!config.desktop || !policy.appliesTo(batch))
            continue;
        latest = tr("Batch “%1” finished: %2 succeeded, %3 failed, %4 cancelled")
                     .arg(batch.name)
                     .arg(batch.count(TaskState::Succeeded))
                     .arg(batch.count(TaskState::Failed))
                     .arg(batch.count(TaskState::Cancelled));
        if (m_tray)
            m_tray->showMessage(tr("Batch “%1” finished").arg(batch.name), BatchListModel::workSummary(batch, batch.lastFinishedAt));
    }
    // Without a tray the status bar says it, unless it is telling the user something else.
    if (!latest.isEmpty() && !m_tray && m_statusBar->currentMessage().isEmpty())
        m_statusBar->showMessage(latest, 15'000);
}

} // namespace loopscope
