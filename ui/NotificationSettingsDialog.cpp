#include "NotificationSettingsDialog.h"

#include "Engine.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace loopscope {

NotificationSettingsDialog::NotificationSettingsDialog(Engine &engine, const NotificationConfig &config, const QString &password,
                                                       QWidget *parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_when(new QComboBox(this))
    , m_smtpUrl(new QLineEdit(config.smtpUrl, this))
    , m_user(new QLineEdit(config.user, this))
    , m_password(new QLineEdit(password, this))
    , m_sender(new QLineEdit(config.sender, this))
    , m_recipients(new QLineEdit(config.recipients, this))
    , m_webhook(new QLineEdit(config.webhook, this))
    , m_caFile(new QLineEdit(config.caFile, this))
    , m_desktop(new QCheckBox(tr("Show a desktop notice"), this))
    , m_testButton(new QPushButton(tr("Send &Test"), this))
    , m_outcome(new QLabel(this))
{
    setWindowTitle(tr("Notifications"));
    m_when->addItems({tr("Never"), tr("When any batch ends"), tr("When a batch ends with failures")});
    m_when->setCurrentIndex(config.when);
    m_smtpUrl->setPlaceholderText(u"smtp://mail.example.org:587  or  smtps://mail.example.org"_s);
    m_password->setEchoMode(QLineEdit::Password);
    m_sender->setPlaceholderText(u"Loopscope <loopscope@example.org>"_s);
    m_recipients->setPlaceholderText(tr("ops@example.org, Someone <someone@example.org>"));
    m_webhook->setPlaceholderText(u"https://hooks.example.org/loopscope"_s);
    m_caFile->setPlaceholderText(tr("Optional PEM file of extra trusted CA certificates"));
    m_desktop->setChecked(config.desktop);
    m_outcome->setWordWrap(true);
    m_outcome->setObjectName(u"testOutcome"_s);
    m_testButton->setObjectName(u"sendTest"_s);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    const QList<std::pair<QLineEdit *, QString>> names{{m_smtpUrl, u"smtpUrl"_s}, {m_user, u"user"_s}, {m_password, u"password"_s},
                                                       {m_sender, u"sender"_s}, {m_recipients, u"recipients"_s},
                                                       {m_webhook, u"webhook"_s}, {m_caFile, u"caFile"_s}};
    for (const auto &[edit, name] : names)
        edit->setObjectName(name);

    auto *form = new QFormLayout;
    form->addRow(tr("&Notify:"), m_when);
    form->addRow(tr("SMTP &server:"), m_smtpUrl);
    form->addRow(tr("&User:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(tr("Se&nder:"), m_sender);
    form->addRow(tr("&Recipients:"), m_recipients);
    form->addRow(tr("&Webhook URL:"), m_webhook);
    form->addRow(tr("Extra &CA file:"), m_caFile);
    form->addRow(QString(), m_desktop);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->addButton(m_testButton, QDialogButtonBox::ActionRole);
    connect(m_testButton, &QPushButton::clicked, this, &NotificationSettingsDialog::sendTest);
    connect(buttons, &QDialogButtonBox::accepted, this, &NotificationSettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_outcome);
    layout->addWidget(buttons);
    resize(560, 0);
}

NotificationConfig NotificationSettingsDialog::config() const
{
    NotificationConfig config;
    config.when = m_when->currentIndex();
    config.smtpUrl = m_smtpUrl->text().trimmed();
    config.user = m_user->text().trimmed();
    config.sender = m_sender->text().trimmed();
    config.recipients = m_recipients->text().trimmed();
    config.webhook = m_webhook->text().trimmed();
    config.caFile = m_caFile->text().trimmed();
    config.desktop = m_desktop->isChecked();
    return config;
}

QString NotificationSettingsDialog::password() const
{
    return m_password->text();
}

void NotificationSettingsDialog::sendTest()
{
    const Result<NotificationSettings> settings = config().toSettings(password());
    if (!settings) {
        m_outcome->setText(settings.error());
        return;
    }
    m_testButton->setEnabled(false);
    m_outcome->setText(tr("Sending…"));
    auto *watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        m_outcome->setText(watcher->result());
        m_testButton->setEnabled(true);
        watcher->deleteLater();
    });
    watcher->setFuture(m_engine.sendTestNotification(*settings));
}

void NotificationSettingsDialog::accept()
{
    if (const Result<NotificationSettings> settings = config().toSettings(password()); !settings) {
        m_outcome->setText(settings.error());
        return;
    }
    QDialog::accept();
}

} // namespace loopscope
