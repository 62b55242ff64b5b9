#include "AttemptLoop.h"

#include "Backoff.h"
#include "CancelToken.h"
#include "EngineClock.h"

namespace loopscope {

QCoro::Task<FetchOutcome> attemptUntilSettled(TaskRecord &task, int retries, CancelToken &token, const Attempt &attempt,
                                              const std::function<void()> &touched)
{
    FetchOutcome outcome;
    for (int tried = 0;; ++tried) {
        task.attempts = tried + 1;
        task.bytesReceived = 0;
        task.retryAt = -1;
        touched();
        const double began = EngineClock::preciseNow();
        outcome = co_await attempt(token);
        outcome.timings.startMs = began - double(task.startedAt);
        outcome.timings.endMs = EngineClock::preciseNow() - double(task.startedAt);
        task.attemptLog.append({outcome.httpStatus, token.isCancelled() ? ErrorKind::Cancelled : outcome.kind,
                                token.isCancelled() ? cancelReasonText(token.reason()) : outcome.error, outcome.timings});
        task.timings = outcome.timings;
        if (token.isCancelled() || !outcome.retryable() || tried >= retries)
            break;
        // The server's Retry-After, when it sent one, instead of the backoff.
        const int wait = int(outcome.retryAfterMs.value_or(backoffMs(tried)));
        task.error = outcome.error;
        task.errorKind = outcome.kind;
        task.httpStatus = outcome.httpStatus;
        task.retryAt = EngineClock::now() + wait;
        touched();
        co_await waitUnlessCancelled(wait, token);
        if (token.isCancelled()) {
            outcome.kind = ErrorKind::Cancelled;
            break;
        }
    }
    task.retryAt = -1;
    co_return outcome;
}

} // namespace loopscope
