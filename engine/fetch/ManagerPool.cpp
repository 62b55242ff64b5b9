#include "ManagerPool.h"

namespace loopscope {

struct ManagerPool::Lease::Slot {
    QNetworkAccessManager manager;
    int active = 0;
};

ManagerPool::Lease::~Lease()
{
    if (m_slot)
        --m_slot->active;
}

QNetworkAccessManager &ManagerPool::Lease::manager() const
{
    return m_slot->manager;
}

ManagerPool::ManagerPool() = default;
ManagerPool::~ManagerPool() = default;

ManagerPool::Lease ManagerPool::acquire()
{
    // The first manager with room, so requests gather on few managers and reuse their
    // kept-alive connections.
    for (auto &slot : m_slots) {
        if (slot->active < RequestsPerManager) {
            ++slot->active;
            return Lease(slot.get());
        }
    }
    auto &slot = m_slots.emplace_back(std::make_unique<Lease::Slot>());
    ++slot->active;
    return Lease(slot.get());
}

} // namespace loopscope
