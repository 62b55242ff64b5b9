#include "HostQueue.h"

namespace loopscope {

void HostQueue::file(const QString &host, const Host &state)
{
    if (!state.waiting.empty())
        (state.running < m_limit ? m_ready : m_blocked).emplace(state.waiting.front().seq, host);
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

void HostQueue::clear()
{
    m_ready.clear();
    m_blocked.clear();
    for (Host &state : m_hosts)
        state.waiting.clear();
}

QString HostQueue::blockedHost() const
{
    return m_blocked.empty() ? QString() : m_hosts.constFind(m_blocked.begin()->second)->shown;
}

} // namespace loopscope
