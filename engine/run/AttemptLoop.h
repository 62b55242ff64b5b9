#pragma once

#include "HttpFetch.h"
#include "TaskRecord.h"

#include <QCoroTask>

#include <functional>

namespace loopscope {

class CancelToken;

// One attempt at a task's work: an HTTP request, or the delivery of a notification.
using Attempt = std::function<QCoro::Task<FetchOutcome>(CancelToken &token)>;

// Attempts a task until one attempt settles it: a success, a failure another attempt would
// not change, the last retry used, or a cancel. Between attempts it waits as long as the
// server's Retry-After asked, or the backoff, with task.retryAt saying until when. Each
// attempt's end goes to the task's attempt log; touched() follows every change of the task.
// Returns the last attempt's outcome.
QCoro::Task<FetchOutcome> attemptUntilSettled(TaskRecord &task, int retries, CancelToken &token, const Attempt &attempt,
                                              const std::function<void()> &touched);

} // namespace loopscope
