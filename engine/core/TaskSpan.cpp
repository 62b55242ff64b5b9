#include "TaskSpan.h"

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace loopscope {

QString TaskSpan::phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Attempt:
        return u"attempt"_s;
    case Phase::Dns:
        return u"dns"_s;
    case Phase::Connect:
        return u"connect"_s;
    case Phase::Tls:
        return u"tls"_s;
    case Phase::FirstByte:
        return u"waiting for the first byte"_s;
    case Phase::Transfer:
        return u"transfer"_s;
    case Phase::Backoff:
        return u"retry back-off"_s;
    }
    return {};
}

TaskSpan TaskSpan::from(const TaskRecord &task)
{
    TaskSpan span;
    span.id = task.id;
    span.batch = task.batch;
    span.url = task.url.toString();
    span.worker = task.worker;
    span.state = task.state;
    span.httpStatus = task.httpStatus;
    span.error = task.error;
    span.startedAt = task.startedAt;
    span.finishedAt = task.finishedAt;
    span.attempts.reserve(size_t(task.attemptLog.size()));
    for (const AttemptRecord &attempt : task.attemptLog)
        span.attempts.push_back({attempt.timings, attempt.httpStatus, attempt.errorKind});
    return span;
}

qint64 TaskSpan::endUs() const
{
    qint64 end = finishedAt * 1000;
    for (const Attempt &attempt : attempts)
        if (attempt.timings.endMs >= 0)
            end = std::max(end, startUs() + qint64(std::llround(attempt.timings.endMs * 1000)));
    return end;
}

std::vector<TaskSpan::Piece> TaskSpan::pieces() const
{
    std::vector<Piece> pieces;
    if (!ran())
        return pieces;
    const qint64 taskStartUs = startUs();
    const qint64 taskEndUs = endUs();
    const auto at = [&](double offsetMs) { return std::clamp(taskStartUs + qint64(std::llround(offsetMs * 1000)), taskStartUs, taskEndUs); };
    qint64 previousEndUs = -1;
    for (size_t i = 0; i < attempts.size(); ++i) {
        const AttemptTimings &t = attempts[i].timings;
        if (t.startMs < 0 || t.endMs < t.startMs)
            continue; // recorded before attempts carried their times
        const int number = int(i) + 1;
        const qint64 startUs = at(t.startMs);
        const qint64 endUs = at(t.endMs);
        if (previousEndUs >= 0 && startUs > previousEndUs)
            pieces.push_back({Phase::Backoff, previousEndUs, startUs, number});
        pieces.push_back({Phase::Attempt, startUs, endUs, number});
        // The phase ends libcurl reports, from the attempt's start; each phase runs from the end
        // of the one before it. A phase that took no time, or is not known, is left out.
        qint64 from = startUs;
        const auto phase = [&](Phase kind, double endOffsetMs) {
            if (endOffsetMs < 0)
                return;
            const qint64 to = std::clamp(startUs + qint64(std::llround(endOffsetMs * 1000)), startUs, endUs);
            if (to > from)
                pieces.push_back({kind, from, to, number});
            from = std::max(from, to);
        };
        phase(Phase::Dns, t.dnsMs);
        phase(Phase::Connect, t.connectMs);
        phase(Phase::Tls, t.tlsMs);
        phase(Phase::FirstByte, t.ttfbMs);
        phase(Phase::Transfer, t.totalMs);
        previousEndUs = endUs;
    }
    return pieces;
}

} // namespace loopscope
