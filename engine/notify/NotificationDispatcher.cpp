#include "NotificationDispatcher.h"

#include "CancelToken.h"
#include "HttpTransport.h"
#include "SmtpClient.h"

#include <QJsonDocument>
#include <QCoroFuture>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace loopscope {

NotificationDispatcher::NotificationDispatcher(HttpTransport &http, std::function<TaskId(const QUrl &)> queueTask)
    : m_http(http)
    , m_queueTask(std::move(queueTask))
{
}

NotificationDispatcher::~NotificationDispatcher() = default;

void NotificationDispatcher::setSettings(const NotificationSettings &settings)
{
    m_settings = settings;
}

void NotificationDispatcher::batchEnded(const BatchRecord &batch, const QList<TaskRecord> &failed)
{
    if (!m_settings.appliesTo(batch) || (!m_settings.sendsEmail() && !m_settings.sendsWebhook()))
        return;
    const BatchSummary summary{batch, failed};
    Round &round = m_rounds[batch.id];
    round.done.start();
    if (m_settings.sendsEmail()) {
        QStringList addresses;
        for (const MailAddress &to : std::as_const(m_settings.recipients))
            addresses << to.address;
        queue({Job::Channel::Email, batch.id, summary, m_settings, QUrl(u"mailto:"_s + addresses.join(u','))});
    }
    if (m_settings.sendsWebhook())
        queue({Job::Channel::Webhook, batch.id, summary, m_settings, m_settings.webhook});
}

void NotificationDispatcher::queue(Job job)
{
    if (const auto round = m_rounds.find(job.source); round != m_rounds.end() && !round->second.done.future().isFinished())
        ++round->second.pending;
    const QUrl target = job.target;
    m_jobs.emplace(m_queueTask(target), std::move(job));
}

void NotificationDispatcher::taskEnded(const TaskRecord &task)
{
    const auto job = m_jobs.find(task.id);
    if (job == m_jobs.end())
        return;
    const BatchId source = job->second.source;
    if (task.state == TaskState::Succeeded)
        m_jobs.erase(job); // only failed and cancelled ones can be retried
    const auto it = m_rounds.find(source);
    if (it == m_rounds.end() || it->second.done.future().isFinished())
        return; // a retry, after its batch's round was over
    Round &round = it->second;
    round.ended.append(task);
    if (--round.pending > 0)
        return;
    round.done.addResult(round.ended);
    round.done.finish();
    m_finishedRounds.push_back(source);
    if (m_finishedRounds.size() > KeptRounds) {
        m_rounds.erase(m_finishedRounds.front());
        m_finishedRounds.pop_front();
    }
}

bool NotificationDispatcher::retry(const TaskRecord &task)
{
    const auto job = m_jobs.find(task.id);
    if (job == m_jobs.end() || (task.state != TaskState::Failed && task.state != TaskState::Cancelled))
        return false;
    Job again = job->second;
    m_jobs.erase(job);
    queue(std::move(again));
    return true;
}

QCoro::Task<FetchOutcome> NotificationDispatcher::deliver(TaskId task, int timeoutMs, CancelToken &token)
{
    const auto job = m_jobs.find(task);
    if (job == m_jobs.end()) {
        FetchOutcome nothingDue;
        nothingDue.kind = ErrorKind::Invalid;
        nothingDue.error = u"no notification is due for this task"_s;
        co_return nothingDue;
    }
    const Job sending = job->second; // the map may change while this attempt runs
    co_return co_await send(sending, timeoutMs, token);
}

QCoro::Task<FetchOutcome> NotificationDispatcher::send(const Job &job, int timeoutMs, CancelToken &token)
{
    FetchOutcome outcome;
    if (job.channel == Job::Channel::Email) {
        SmtpServer server = job.settings.smtp;
        server.stepTimeoutMs = std::min(server.stepTimeoutMs, timeoutMs);
        const MailMessage message{job.settings.from, job.settings.recipients, job.summary.subject(), job.summary.text(), {}, {}};
        const Result<> sent = co_await sendMail(server, message, token);
        outcome.kind = sent.kind(); // Temporary and Timeout are retried, Refused and Tls are not
        outcome.error = sent.error();
        co_return outcome;
    }
    FetchRequest request;
    request.url = job.settings.webhook;
    request.timeoutMs = timeoutMs;
    request.jsonBody = QJsonDocument(job.summary.json()).toJson(QJsonDocument::Compact);
    request.extraCaCertificates = job.settings.smtp.extraCaCertificates;
    const QString notSaved; // named: GCC 12 destroys temporaries inside co_await twice
    co_return co_await m_http.attempt(std::move(request), notSaved, false, 0, token);
}

QCoro::Task<QList<TaskRecord>> NotificationDispatcher::whenNotified(BatchId source)
{
    const auto it = m_rounds.find(source);
    if (it == m_rounds.end())
        co_return {};
    const QFuture<QList<TaskRecord>> done = it->second.done.future();
    co_return co_await done;
}

QCoro::Task<QString> NotificationDispatcher::sendTest(NotificationSettings settings)
{
    BatchRecord example;
    example.name = u"Test from Loopscope"_s;
    const BatchSummary summary{example, {}};
    CancelToken token;
    QStringList outcomes;
    // Jobs are named, not braced temporaries inside co_await: GCC 12 destroys those twice.
    if (settings.sendsEmail()) {
        const Job email{Job::Channel::Email, 0, summary, settings, {}};
        const FetchOutcome outcome = co_await send(email, 30'000, token);
        outcomes << (outcome.error.isEmpty() ? u"E-mail sent."_s : u"E-mail failed: %1"_s.arg(outcome.error));
    }
    if (settings.sendsWebhook()) {
        const Job webhook{Job::Channel::Webhook, 0, summary, settings, settings.webhook};
        const FetchOutcome outcome = co_await send(webhook, 30'000, token);
        outcomes << (outcome.kind == ErrorKind::None ? u"Webhook answered HTTP %1."_s.arg(outcome.httpStatus)
                                                     : u"Webhook failed: %1"_s.arg(outcome.error));
    }
    co_return outcomes.isEmpty() ? u"Nothing to send: no recipients and no webhook."_s : outcomes.join(u' ');
}

} // namespace loopscope
