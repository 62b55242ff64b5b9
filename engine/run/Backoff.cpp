#include "Backoff.h"

#include "CancelToken.h"

#include <QRandomGenerator>
#include <QTimer>
#include <QCoroTimer>

#include <algorithm>

namespace loopscope {

int backoffMs(int attempt)
{
    const int ceiling = std::min(30'000, 500 << std::min(attempt, 6));
    return ceiling / 2 + int(QRandomGenerator::global()->bounded(ceiling / 2 + 1));
}

QCoro::Task<> waitUnlessCancelled(int ms, CancelToken &token)
{
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&token, &CancelToken::cancelled, &timer, [&timer] { timer.start(0); });
    timer.start(token.isCancelled() ? 0 : ms);
    co_await qCoro(timer).waitForTimeout();
}

} // namespace loopscope
