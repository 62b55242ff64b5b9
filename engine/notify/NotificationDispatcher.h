#pragma once

#include "HttpFetch.h"
#include "Notifications.h"

#include <QCoroTask>
#include <QPromise>

#include <deque>
#include <functional>
#include <map>

namespace loopscope {

class CancelToken;
class HttpTransport;

// Turns finished batches into notification tasks, one per channel (e-mail, webhook), and
// delivers them when the scheduler runs those tasks. It keeps what each task is to send and,
// per batch, how its notifications went, until they are all over. Worker-thread only.
class NotificationDispatcher {
public:
    // queueTask puts one more task into the notification batch and returns its id; the
    // scheduler runs it like any other, calling deliver() for each attempt.
    NotificationDispatcher(HttpTransport &http, std::function<TaskId(const QUrl &target)> queueTask);
    ~NotificationDispatcher();

    void setSettings(const NotificationSettings &settings);
    // A batch ended (its failed tasks given): queues the notifications its settings call for.
    void batchEnded(const BatchRecord &batch, const QList<TaskRecord> &failed);
    QCoro::Task<FetchOutcome> deliver(TaskId task, int timeoutMs, CancelToken &token);
    void taskEnded(const TaskRecord &task);
    // Queues a failed or cancelled notification task again, as a new task; false if the id
    // is not one of a notification that can be retried.
    bool retry(const TaskRecord &task);

    // The notification tasks of a batch once each has ended; none if none were due. Ask after
    // the batch was reported ended.
    QCoro::Task<QList<TaskRecord>> whenNotified(BatchId source);
    // Sends an example summary through every configured channel; says how each went.
    QCoro::Task<QString> sendTest(NotificationSettings settings);

private:
    struct Job {
        enum class Channel { Email, Webhook };
        Channel channel;
        BatchId source;
        BatchSummary summary;
        NotificationSettings settings; // as they were when the batch ended
        QUrl target;
    };
    // How the notifications of one batch go.
    struct Round {
        int pending = 0;
        QPromise<QList<TaskRecord>> done;
        QList<TaskRecord> ended;
    };
    // Finished rounds kept for whoever asks late; the oldest go beyond this many.
    static constexpr size_t KeptRounds = 64;

    void queue(Job job);
    QCoro::Task<FetchOutcome> send(const Job &job, int timeoutMs, CancelToken &token);

    HttpTransport &m_http;
    std::function<TaskId(const QUrl &)> m_queueTask;
    NotificationSettings m_settings;
    std::map<TaskId, Job> m_jobs; // of tasks that run, or failed and may be retried
    std::map<BatchId, Round> m_rounds;
    std::deque<BatchId> m_finishedRounds; // oldest first
};

} // namespace loopscope
