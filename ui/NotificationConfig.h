#pragma once

#include "Notifications.h"
#include "Result.h"

#include <QString>

namespace loopscope {

// The notification settings as the user edits and stores them: every field as text, saved in
// QSettings except the password, which belongs in the keychain.
struct NotificationConfig {
    int when = 1; // index into NotifyWhen: never, every batch, batches with failures
    QString smtpUrl;
    QString user;
    QString sender;
    QString recipients; // comma separated
    QString webhook;
    QString caFile;     // optional extra CA certificates (PEM)
    bool desktop = true;

    static NotificationConfig load();
    void save() const;
    bool sendsEmail() const { return !recipients.trimmed().isEmpty(); }
    bool needsPassword() const { return sendsEmail() && !user.isEmpty(); }
    // The engine's settings, or an Invalid failure naming the field that is wrong.
    Result<NotificationSettings> toSettings(const QString &password) const;
};

} // namespace loopscope
