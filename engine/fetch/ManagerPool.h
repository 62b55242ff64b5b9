#pragma once

#include <QNetworkAccessManager>

#include <memory>
#include <vector>

namespace loopscope {

// Qt 6.4's QNetworkAccessManager opens at most six connections per host and queues the rest
// inside itself, which would make a "running" task secretly wait. The pool hands each
// request a manager that has fewer than six requests in flight, creating managers as
// needed, so the engine's own concurrency and per-host limits are the only ones that apply.
// Lives on the worker thread, with every manager it creates.
class ManagerPool {
public:
    static constexpr int RequestsPerManager = 6;

    class Lease {
    public:
        Lease(Lease &&other) noexcept : m_slot(std::exchange(other.m_slot, nullptr)) {}
        Lease(const Lease &) = delete;
        Lease &operator=(const Lease &) = delete;
        Lease &operator=(Lease &&) = delete;
        ~Lease();
        QNetworkAccessManager &manager() const;

    private:
        friend class ManagerPool;
        struct Slot;
        explicit Lease(Slot *slot) : m_slot(slot) {}
        Slot *m_slot;
    };

    ManagerPool();
    ~ManagerPool();
    Lease acquire();

private:
    std::vector<std::unique_ptr<Lease::Slot>> m_slots;
};

} // namespace loopscope
