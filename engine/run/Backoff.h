#pragma once

#include <QCoroTask>

namespace loopscope {

class CancelToken;

// Exponential backoff with jitter: 0.5 s, 1 s, 2 s … capped at 30 s, each drawn from its
// upper half so that many tasks failing together do not retry together.
int backoffMs(int attempt);

// A wait that ends early when the token is cancelled.
QCoro::Task<> waitUnlessCancelled(int ms, CancelToken &token);

} // namespace loopscope
