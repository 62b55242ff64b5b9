#pragma once

#include "NotificationConfig.h"

#include <QObject>
#include <QCoroTask>

class QWidget;

namespace loopscope {

class Engine;

// Where batch summaries go, as the user set it: loaded from the settings and the keychain at
// start-up, edited in the Notifications dialog, and handed to the engine after each change.
class NotificationPreferences : public QObject {
    Q_OBJECT
public:
    // window: the parent of the dialogs this asks with.
    NotificationPreferences(Engine &engine, QWidget *window);

    const NotificationConfig &config() const { return m_config; }

    // Asks for the SMTP password when no keychain holds it.
    QCoro::Task<> load();
    void edit();

Q_SIGNALS:
    void statusMessage(const QString &text, int timeoutMs);

private:
    QCoro::Task<> storePassword();
    void apply();
    QString passwordAccount() const;

    Engine &m_engine;
    QWidget *m_window;
    NotificationConfig m_config;
    QString m_smtpPassword; // for this run; stored in the keychain, never in the settings file
};

} // namespace loopscope
