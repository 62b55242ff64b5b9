#include "BatchRun.h"

#include "UrlList.h"

#include <algorithm>

namespace loopscope {

BatchRun::BatchRun(const BatchPlan &plan, qint64 now, TaskId appendFrom)
    : m_nextAppended(plan.taskIds.isEmpty() ? appendFrom : plan.taskIds.last() + 1)
    , m_queue(plan.settings.hostLimit())
    , m_workers(size_t(plan.settings.concurrency))
{
    Q_ASSERT(plan.taskIds.size() == plan.urls.size() && std::is_sorted(plan.taskIds.begin(), plan.taskIds.end()));
    m_record.id = plan.id;
    m_record.firstTask = plan.taskIds.isEmpty() ? appendFrom : plan.taskIds.first();
    m_record.name = plan.name;
    m_record.kind = plan.kind;
    m_record.settings = plan.settings;
    m_record.total = int(plan.urls.size());
    m_record.counts[int(TaskState::Queued)] = m_record.total;
    m_consecutive = plan.taskIds.isEmpty() || plan.taskIds.last() - plan.taskIds.first() == TaskId(plan.taskIds.size() - 1);
    // The standing batch of notifications is small, and its ended tasks may be retried.
    m_keepEnded = plan.kind == BatchKind::Notifications;
    m_workerNames.reserve(m_workers.size());
    for (size_t i = 0; i < m_workers.size(); ++i)
        m_workerNames.push_back(loopscope::workerName(int(i)));
    m_planned = int(plan.urls.size());
    m_slots.reserve(size_t(plan.urls.size()));
    for (int i = 0; i < plan.urls.size(); ++i) {
        Slot &slot = m_slots.emplace_back();
        slot.id = plan.taskIds[i];
        slot.url = plan.urls[i];
        slot.queuedAt = now;
        enqueue(i);
    }
    m_hostsByOrigin.clear(); // a batch of a million hosts need not keep a million names twice
}

void BatchRun::enqueue(int index)
{
    // By the scheme and authority in the URL's text: parsing a QUrl for each of a million
    // waiting tasks would take seconds. A QUrl is parsed once per origin, for the host's names.
    const QByteArray &url = m_slots[size_t(index)].url;
    const QByteArrayView origin = originOf(url);
    if (origin != m_lastOrigin) {
        m_lastOrigin = origin.toByteArray();
        auto known = m_hostsByOrigin.find(m_lastOrigin);
        if (known == m_hostsByOrigin.end()) {
            const QUrl parsed = QUrl::fromEncoded(url);
            known = m_hostsByOrigin.insert(m_lastOrigin, {hostAndPort(parsed), shownHost(parsed)});
        }
        m_lastHost = known.value();
    }
    m_queue.push(index, m_lastHost.first, m_lastHost.second);
}

int BatchRun::indexOf(TaskId id) const
{
    if (m_slots.empty() || id < m_slots.front().id || id > m_slots.back().id)
        return -1;
    if (m_consecutive)
        return int(id - m_slots.front().id);
    // A resumed batch holds only the tasks that had not ended: ids ascend with gaps.
    const auto it = std::lower_bound(m_slots.begin(), m_slots.end(), id, [](const Slot &slot, TaskId wanted) { return slot.id < wanted; });
    return it != m_slots.end() && it->id == id ? int(it - m_slots.begin()) : -1;
}

TaskState BatchRun::state(int index) const
{
    const Slot &slot = m_slots[size_t(index)];
    return slot.record ? slot.record->state : slot.state;
}

TaskRecord BatchRun::recordOf(const Slot &slot) const
{
    if (slot.record)
        return *slot.record;
    TaskRecord task;
    task.id = slot.id;
    task.batch = m_record.id;
    task.url = QUrl::fromEncoded(slot.url);
    task.state = slot.state;
    task.queuedAt = slot.queuedAt;
    task.finishedAt = slot.finishedAt;
    task.cancelReason = slot.cancelReason;
    if (slot.cancelReason != CancelReason::None)
        task.error = cancelReasonText(slot.cancelReason);
    return task;
}

TaskRecord &BatchRun::task(int index)
{
    Slot &slot = m_slots[size_t(index)];
    if (!slot.record) {
        slot.record = std::make_unique<TaskRecord>(recordOf(slot));
        slot.url = QByteArray();
    }
    return *slot.record;
}

QList<TaskRecord> BatchRun::records() const
{
    QList<TaskRecord> all;
    all.reserve(size());
    for (const Slot &slot : m_slots)
        all.append(recordOf(slot));
    return all;
}

int BatchRun::append(const QUrl &url, qint64 now)
{
    const int index = size();
    Slot &slot = m_slots.emplace_back();
    slot.id = m_nextAppended++;
    slot.url = url.toEncoded();
    slot.queuedAt = now;
    ++m_record.total;
    ++m_record.counts[int(TaskState::Queued)];
    touch(index);
    enqueue(index);
    return index;
}

bool BatchRun::move(int index, TaskState to, qint64 now)
{
    const TaskState from = state(index);
    if (!canMove(from, to))
        return false;
    --m_record.counts[int(from)];
    ++m_record.counts[int(to)];
    if (to == TaskState::Running) {
        TaskRecord &task = this->task(index);
        task.startedAt = now;
        if (m_record.firstStartedAt < 0)
            m_record.firstStartedAt = now;
        m_record.runningSince += now;
        task.state = to;
    } else {
        Slot &slot = m_slots[size_t(index)];
        if (from == TaskState::Running) {
            m_record.runningSince -= slot.record->startedAt;
            m_record.finishedRunMs += now - slot.record->startedAt;
        }
        m_record.lastFinishedAt = std::max(m_record.lastFinishedAt, now);
        if (slot.record) {
            slot.record->finishedAt = now;
            slot.record->state = to;
        } else {
            slot.finishedAt = now;
            slot.state = to;
        }
    }
    touch(index);
    return true;
}

bool BatchRun::cancelQueued(int index, CancelReason reason, qint64 now)
{
    if (state(index) != TaskState::Queued)
        return false;
    Slot &slot = m_slots[size_t(index)];
    if (slot.record) {
        slot.record->cancelReason = reason;
        slot.record->error = cancelReasonText(reason);
    } else {
        slot.cancelReason = reason;
    }
    return move(index, TaskState::Cancelled, now);
}

void BatchRun::touch(int index)
{
    m_batchChanged = true;
    Slot &slot = m_slots[size_t(index)];
    if (!slot.changed) {
        slot.changed = true;
        m_changedTasks.push_back(index);
    }
}

void BatchRun::setBlocked(const HostQueue::Blocked &blocked)
{
    if (m_record.blockedHost == blocked.host && m_record.blockedLimit == blocked.limit && m_record.blockedSlowdown == blocked.slowdown)
        return;
    m_record.blockedHost = blocked.host;
    m_record.blockedLimit = blocked.limit;
    m_record.blockedSlowdown = blocked.slowdown;
    m_batchChanged = true;
}

void BatchRun::setSlowedHosts(const QList<SlowedHost> &hosts)
{
    if (m_record.slowedHosts == hosts)
        return;
    m_record.slowedHosts = hosts;
    m_batchChanged = true;
}

int BatchRun::freeWorker() const
{
    for (size_t i = 0; i < m_workers.size(); ++i) {
        if (!m_workers[i].token)
            return int(i);
    }
    return -1;
}

void BatchRun::takeChanges(EngineUpdate &update, qsizetype maxTasks)
{
    if (!m_batchChanged)
        return;
    qsizetype room = std::max<qsizetype>(maxTasks, 0);
    const auto publish = [&](int index) {
        Slot &slot = m_slots[size_t(index)];
        update.tasks.append(recordOf(slot));
        slot.changed = false;
        slot.announced = true;
        --room;
        letGoIfDone(index);
    };
    // Changes first: tasks that started or ended must not wait behind the first records of a
    // million waiting tasks, holding their whole records until their turn.
    const size_t taken = std::min(m_changedTasks.size(), size_t(room));
    for (size_t i = 0; i < taken; ++i)
        publish(m_changedTasks[i]);
    m_changedTasks.erase(m_changedTasks.begin(), m_changedTasks.begin() + std::ptrdiff_t(taken));
    // Then the plan's tasks that have not been seen yet, in their order.
    for (; room > 0 && m_unannounced < m_planned; ++m_unannounced) {
        const Slot &slot = m_slots[size_t(m_unannounced)];
        if (!slot.announced && !slot.changed)
            publish(m_unannounced);
    }
    update.batches.append(m_record);
    m_batchChanged = !m_changedTasks.empty() || m_unannounced < m_planned;
}

void BatchRun::letGoIfDone(int index)
{
    // Observers have the end now; the batch needs no more than the state and the times.
    const TaskState ended = state(index);
    Slot &slot = m_slots[size_t(index)];
    if (m_keepEnded || !isTerminal(ended) || ended == TaskState::Failed)
        return;
    slot.url = QByteArray();
    if (!slot.record)
        return;
    slot.state = ended;
    slot.queuedAt = slot.record->queuedAt;
    slot.finishedAt = slot.record->finishedAt;
    slot.cancelReason = slot.record->cancelReason;
    slot.record.reset();
}

} // namespace loopscope
