#include "NotificationConfig.h"

#include "UrlList.h"

#include <QSettings>

using namespace Qt::StringLiterals;

namespace loopscope {

NotificationConfig NotificationConfig::load()
{
    QSettings settings;
    NotificationConfig config;
    config.when = settings.value(u"notify/when"_s, config.when).toInt();
    config.smtpUrl = settings.value(u"notify/smtpUrl"_s).toString();
    config.user = settings.value(u"notify/user"_s).toString();
    config.sender = settings.value(u"notify/sender"_s).toString();
    config.recipients = settings.value(u"notify/recipients"_s).toString();
    config.webhook = settings.value(u"notify/webhook"_s).toString();
    config.caFile = settings.value(u"notify/caFile"_s).toString();
    config.desktop = settings.value(u"notify/desktop"_s, config.desktop).toBool();
    return config;
}

void NotificationConfig::save() const
{
    QSettings settings;
    settings.setValue(u"notify/when"_s, when);
    settings.setValue(u"notify/smtpUrl"_s, smtpUrl);
    settings.setValue(u"notify/user"_s, user);
    settings.setValue(u"notify/sender"_s, sender);
    settings.setValue(u"notify/recipients"_s, recipients);
    settings.setValue(u"notify/webhook"_s, webhook);
    settings.setValue(u"notify/caFile"_s, caFile);
    settings.setValue(u"notify/desktop"_s, desktop);
}

Result<NotificationSettings> NotificationConfig::toSettings(const QString &password) const
{
    const auto fail = [](const QString &message) { return Failure{ErrorKind::Invalid, message}; };
    NotificationSettings settings;
    settings.when = NotifyWhen(std::clamp(when, 0, 2));
    if (!caFile.isEmpty()) {
        settings.smtp.extraCaCertificates = QSslCertificate::fromPath(caFile);
        if (settings.smtp.extraCaCertificates.isEmpty())
            return fail(QObject::tr("CA file %1: no PEM certificate could be read").arg(caFile));
    }
    if (sendsEmail()) {
        for (const QString &text : recipients.split(u',', Qt::SkipEmptyParts)) {
            const Result<MailAddress> address = parseMailAddress(text.trimmed());
            if (!address)
                return fail(QObject::tr("Recipient \"%1\": %2").arg(text.trimmed(), address.error()));
            settings.recipients << *address;
        }
        const Result<MailAddress> from = parseMailAddress(sender.trimmed());
        if (!from)
            return fail(QObject::tr("Sender \"%1\": %2").arg(sender.trimmed(), from.error()));
        settings.from = *from;
        settings.smtp.url = QUrl(smtpUrl.trimmed(), QUrl::StrictMode);
        if (!user.isEmpty())
            settings.smtp.url.setUserName(user);
        settings.smtp.password = password;
        if (Result<> usable = settings.smtp.checkUrl(); !usable)
            return usable.failure();
    }
    if (!webhook.trimmed().isEmpty()) {
        const Result<QUrl> url = fetchableUrl(webhook.trimmed());
        if (!url)
            return fail(QObject::tr("Webhook: %1").arg(url.error()));
        settings.webhook = *url;
    }
    return settings;
}

} // namespace loopscope
