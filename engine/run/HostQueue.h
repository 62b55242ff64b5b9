#pragma once

#include "BatchRecord.h"

#include <QString>

#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <QHash>

namespace loopscope {

// A batch's FIFO queue with a per-host limit: take() returns the oldest task whose host has
// room, so a busy host holds back only its own tasks. O(log hosts) per operation, which keeps
// 100,000 tasks on 100,000 hosts cheap. Cancelled tasks are dropped lazily when they reach
// the front (the caller says which tasks are still waiting).
//
// A host that answers 429 or 503 is slowed down, the way TCP backs off: its limit halves (never
// below 1) and grows back by one after each run of SuccessesToGrow successful answers.
class HostQueue {
public:
    static constexpr int SuccessesToGrow = 10;

    struct Taken {
        int task;
        QString host;
    };

    explicit HostQueue(int perHostLimit) : m_limit(perHostLimit) {}

    // shown: the host as the user wrote it, for blockedHost().
    void push(int task, const QString &host, const QString &shown);
    std::optional<Taken> take(const std::function<bool(int task)> &stillWaiting);
    void release(const QString &host); // a task taken for this host has ended
    // How an attempt on the host ended (0: no response), at EngineClock ms.
    void answered(const QString &host, int httpStatus, qint64 atMs);
    int limitOf(const QString &host) const;
    void clear();
    // The host, as shown, whose oldest task has waited longest for one of its connections to
    // free up, with the limit it has now and why it is lower, if it is; an empty host when no
    // task waits for that reason.
    struct Blocked {
        QString host;
        int limit = 0;
        QString slowdown; // "slowed after 429 at 12:03:11: 3 of 6"
    };
    Blocked blocked() const;
    // Every host slowed down now, by host.
    QList<SlowedHost> slowedHosts() const;
    QString blockedHost() const { return blocked().host; }

private:
    struct Entry {
        quint64 seq;
        int task;
    };
    struct Host {
        std::deque<Entry> waiting;
        int running = 0;
        QString shown;
        int limit = -1; // -1: the queue's own
        int successes = 0; // in a row, since it was last slowed
        QString slowedBy; // "429 at 12:03:11"; empty: never slowed, or grown back
    };
    int limitOf(const Host &state) const { return state.limit < 0 ? m_limit : state.limit; }
    // A host with waiting tasks is in m_ready or in m_blocked, by the age of its oldest task.
    void file(const QString &host, const Host &state);
    void unfile(const QString &host, const Host &state);

    int m_limit;
    quint64 m_nextSeq = 0;
    QHash<QString, Host> m_hosts;
    std::set<QString> m_slowed; // hosts whose limit is lowered
    // Hosts with waiting tasks and room to run one, keyed by the age of their oldest task.
    std::set<std::pair<quint64, QString>> m_ready;
    // Hosts with waiting tasks and every connection in use.
    std::set<std::pair<quint64, QString>> m_blocked;
};

} // namespace loopscope
