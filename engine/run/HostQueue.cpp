#include "HostQueue.h"

#include "EngineClock.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace loopscope {

void HostQueue::file(const QString &host, const Host &state)
{
    if (!state.waiting.empty())
        (state.running < limitOf(state) ? m_ready : m_blocked).emplace(state.waiting.front().seq, host);
}

void HostQueue::unfile(const QString &host, const Host &state)
{
    if (state.waiting.empty())
        return;
    const std::pair<quint64, QString> key{state.waiting.front().seq, host};
    m_ready.erase(key);
    m_blocked.erase(key);
}

void HostQueue::push(int task, const QString &host, const QString &shown)
{
    Host &state = m_hosts[host];
    if (state.shown.isEmpty())
        state.shown = shown;
    state.waiting.push_back({m_nextSeq++, task});
    if (state.waiting.size() == 1)
        file(host, state);
}

std::optional<HostQueue::Taken> HostQueue::take(const std::function<bool(int)> &stillWaiting)
{
    while (!m_ready.empty()) {
        const auto oldest = m_ready.extract(m_ready.begin());
        const QString &host = oldest.value().second;
        Host &state = m_hosts[host];
        if (!stillWaiting(state.waiting.front().task)) {
            // A cancelled task: drop it, and let the host compete again with its next one.
            state.waiting.pop_front();
            file(host, state);
            continue;
        }
        const int task = state.waiting.front().task;
        state.waiting.pop_front();
        ++state.running;
        file(host, state);
        return Taken{task, host};
    }
    return std::nullopt;
}

void HostQueue::release(const QString &host)
{
    Host &state = m_hosts[host];
    unfile(host, state);
    --state.running;
    file(host, state);
}

void HostQueue::answered(const QString &host, int httpStatus, qint64 atMs)
{
    const auto it = m_hosts.find(host);
    if (it == m_hosts.end())
        return;
    Host &state = *it;
    const bool slowDown = httpStatus == 429 || httpStatus == 503;
    const bool succeeded = httpStatus >= 200 && httpStatus < 400;
    if (!slowDown && (!succeeded || limitOf(state) >= m_limit))
        return;
    unfile(host, state);
    if (slowDown) {
        state.limit = std::max(1, limitOf(state) / 2);
        state.successes = 0;
        m_slowed.insert(host);
        state.slowedBy = u"%1 at %2"_s.arg(httpStatus).arg(EngineClock::toUtc(atMs).toLocalTime().toString(u"HH:mm:ss"_s));
    } else if (++state.successes >= SuccessesToGrow) {
        state.limit = limitOf(state) + 1;
        state.successes = 0;
        if (state.limit >= m_limit) {
            state.limit = -1;
            state.slowedBy.clear();
            m_slowed.erase(host);
        }
    }
    file(host, state);
}

int HostQueue::limitOf(const QString &host) const
{
    const auto it = m_hosts.constFind(host);
    return it == m_hosts.cend() ? m_limit : limitOf(*it);
}

void HostQueue::clear()
{
    m_ready.clear();
    m_blocked.clear();
    for (Host &state : m_hosts)
        state.waiting.clear();
}

QList<SlowedHost> HostQueue::slowedHosts() const
{
    QList<SlowedHost> slowed;
    for (const QString &host : m_slowed) {
        const Host &state = *m_hosts.constFind(host);
        slowed.append({state.shown, limitOf(state), u"slowed after %1: %2 of %3"_s.arg(state.slowedBy).arg(limitOf(state)).arg(m_limit)});
    }
    return slowed;
}

HostQueue::Blocked HostQueue::blocked() const
{
    if (m_blocked.empty())
        return {};
    const Host &state = *m_hosts.constFind(m_blocked.begin()->second);
    const int limit = limitOf(state);
    return {state.shown, limit, state.slowedBy.isEmpty() ? QString() : u"slowed after %1: %2 of %3"_s.arg(state.slowedBy).arg(limit).arg(m_limit)};
}

} // namespace loopscope
