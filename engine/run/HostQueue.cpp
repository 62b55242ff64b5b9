#include "HostQueue.h"

namespace loopscope {

void HostQueue::markReady(const QString &host, const Host &state)
{
    if (!state.waiting.empty() && state.running < m_limit)
        m_ready.emplace(state.waiting.front().seq, host);
}

void HostQueue::push(int task, const QString &host)
{
    Host &state = m_hosts[host];
    state.waiting.push_back({m_nextSeq++, task});
    if (state.waiting.size() == 1)
        markReady(host, state);
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
            markReady(host, state);
            continue;
        }
        const int task = state.waiting.front().task;
        state.waiting.pop_front();
        ++state.running;
        markReady(host, state);
        return Taken{task, host};
    }
    return std::nullopt;
}

void HostQueue::release(const QString &host)
{
    Host &state = m_hosts[host];
    --state.running;
    if (state.running == m_limit - 1)
        markReady(host, state);
}

void HostQueue::clear()
{
    m_ready.clear();
    for (Host &state : m_hosts)
        state.waiting.clear();
}

} // namespace loopscope
