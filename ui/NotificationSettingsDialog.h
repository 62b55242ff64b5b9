#pragma once

#include "NotificationConfig.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace loopscope {

class Engine;

// Where and when batch summaries go: SMTP server, user and password, sender, recipients,
// webhook, which batches notify; "Send test" performs a real send through the engine.
class NotificationSettingsDialog : public QDialog {
    Q_OBJECT
public:
    NotificationSettingsDialog(Engine &engine, const NotificationConfig &config, const QString &password,
                               QWidget *parent = nullptr);

    NotificationConfig config() const;
    QString password() const;

private:
    void sendTest();
    void accept() override;

    Engine &m_engine;
    QComboBox *m_when;
    QLineEdit *m_smtpUrl;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLineEdit *m_sender;
    QLineEdit *m_recipients;
    QLineEdit *m_webhook;
    QLineEdit *m_caFile;
    QCheckBox *m_desktop;
    QPushButton *m_testButton;
    QLabel *m_outcome;
};

} // namespace loopscope
