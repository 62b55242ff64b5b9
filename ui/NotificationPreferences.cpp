#include "NotificationPreferences.h"

#include "Engine.h"
#include "NotificationSettingsDialog.h"
#include "PasswordStore.h"

#include <QInputDialog>
#include <QPointer>

namespace loopscope {

NotificationPreferences::NotificationPreferences(Engine &engine, QWidget *window)
    : QObject(window)
    , m_engine(engine)
    , m_window(window)
{
}

QString NotificationPreferences::passwordAccount() const
{
    return m_config.user + u'@' + m_config.smtpUrl;
}

QCoro::Task<> NotificationPreferences::load()
{
    QPointer<NotificationPreferences> self(this);
    m_config = NotificationConfig::load();
    if (m_config.needsPassword()) {
        const Result<QString> stored = co_await PasswordStore::read(passwordAccount());
        if (!self)
            co_return;
        if (stored) {
            m_smtpPassword = *stored;
        } else {
            bool ok = false;
            m_smtpPassword = QInputDialog::getText(m_window, tr("SMTP Password"),
                                                   tr("No keychain service is available (%1), so the password for %2 is "
                                                      "kept for this run only.\nPassword:")
                                                       .arg(stored.error(), m_config.user),
                                                   QLineEdit::Password, {}, &ok);
        }
    }
    apply();
}

void NotificationPreferences::edit()
{
    NotificationSettingsDialog dialog(m_engine, m_config, m_smtpPassword, m_window);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_config = dialog.config();
    m_config.save();
    m_smtpPassword = dialog.password();
    if (m_config.needsPassword())
        storePassword();
    apply();
}

QCoro::Task<> NotificationPreferences::storePassword()
{
    QPointer<NotificationPreferences> self(this);
    const Result<> stored = co_await PasswordStore::write(passwordAccount(), m_smtpPassword);
    if (self && !stored)
        Q_EMIT statusMessage(tr("No keychain service is available (%1): the SMTP password is kept for this run only.").arg(stored.error()),
                             15'000);
}

void NotificationPreferences::apply()
{
    const Result<NotificationSettings> settings = m_config.toSettings(m_smtpPassword);
    if (!settings) {
        Q_EMIT statusMessage(tr("Notifications are off: %1").arg(settings.error()), 15'000);
        m_engine.setNotifications({});
        return;
    }
    m_engine.setNotifications(*settings);
}

} // namespace loopscope
