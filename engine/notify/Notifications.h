#pragma once

#include "BatchRecord.h"
#include "SmtpClient.h"

#include <QJsonObject>

namespace loopscope {

// Notification tasks live in one standing batch of their own, with ids far from fetches'.
inline constexpr BatchId NotificationBatchId = BatchId(1) << 62;
inline constexpr TaskId FirstNotificationTaskId = TaskId(1) << 62;

enum class NotifyWhen { Never, EveryBatch, BatchesWithFailures };

struct NotificationSettings {
    NotifyWhen when = NotifyWhen::EveryBatch;
    SmtpServer smtp;
    MailAddress from;
    QList<MailAddress> recipients; // no recipients: no e-mail
    QUrl webhook;                  // invalid: no webhook

    bool sendsEmail() const { return !recipients.isEmpty(); }
    bool sendsWebhook() const { return webhook.isValid() && !webhook.isEmpty(); }
    bool appliesTo(const BatchRecord &batch) const;
};

// What a finished batch came to: its aggregates and the tasks that failed.
struct BatchSummary {
    static constexpr int ListedFailures = 20; // "… and N more" after these

    BatchRecord batch;
    QList<TaskRecord> failed;

    QString subject() const;
    QString text() const;
    QJsonObject json() const;
};

} // namespace loopscope
