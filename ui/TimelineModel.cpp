#include "TimelineModel.h"

#include "OnPool.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
int workerNumber(const QString &worker)
{
    bool numbered = false;
    const int number = worker.startsWith(u"Worker "_s) ? worker.mid(7).toInt(&numbered) : 0;
    return numbered ? number : std::numeric_limits<int>::max();
}
} // namespace

void TimelineModel::Lane::add(TaskSpan task)
{
    if (task.state != TaskState::Succeeded)
        unsucceeded.push_back(tasks.size());
    endsUs.push_back(task.endUs());
    tasks.push_back(std::move(task));
}

size_t TimelineModel::Lane::firstEndingFrom(qint64 us) const
{
    const auto it = std::lower_bound(endsUs.begin(), endsUs.end(), us);
    return size_t(it - endsUs.begin());
}

const TaskSpan *TimelineModel::Lane::taskAt(qint64 us) const
{
    const size_t index = firstEndingFrom(us);
    if (index < tasks.size() && tasks[index].startUs() <= us)
        return &tasks[index];
    return nullptr;
}

TimelineModel::Lane &TimelineModel::laneOf(Batch &batch, const QString &worker, bool notifications)
{
    const auto same = [&](const Lane &lane) { return lane.worker == worker && lane.notifications == notifications; };
    if (const auto it = std::find_if(batch.lanes.begin(), batch.lanes.end(), same); it != batch.lanes.end())
        return *it;
    // Workers by number, the notification workers after them.
    const auto before = [&](const Lane &lane) {
        if (lane.notifications != notifications)
            return !notifications ? lane.notifications : false;
        return workerNumber(worker) < workerNumber(lane.worker);
    };
    const auto at = std::find_if(batch.lanes.begin(), batch.lanes.end(), before);
    const auto inserted = batch.lanes.insert(at, Lane{worker, notifications, {}, {}, {}, {}});
    // Lanes moved: the index of every ended task of this batch after it moved too.
    for (auto &[task, where] : m_where)
        if (where.batch == batch.record.id && where.lane >= int(inserted - batch.lanes.begin()))
            ++where.lane;
    return *inserted;
}

// The fetch batch that a notification task was sent for: the latest that ended shortly before.
TimelineModel::Batch *TimelineModel::notificationsTarget(const TaskRecord &task)
{
    Batch *target = nullptr;
    for (auto &[id, batch] : m_batches) {
        const BatchRecord &record = batch.record;
        if (record.kind != BatchKind::Fetches || record.firstStartedAt < 0 || !record.finished())
            continue;
        if (record.notifiedAt(task.startedAt) && (!target || record.lastFinishedAt > target->record.lastFinishedAt))
            target = &batch;
    }
    return target;
}

void TimelineModel::apply(const EngineUpdate &update)
{
    std::vector<BatchId> changed;
    const auto touched = [&changed](BatchId id) {
        if (std::find(changed.begin(), changed.end(), id) == changed.end())
            changed.push_back(id);
    };
    for (const BatchRecord &record : update.batches) {
        m_kinds[record.id] = record.kind;
        if (record.kind == BatchKind::Fetches) {
            m_batches[record.id].record = record;
            touched(record.id);
        }
    }
    for (const TaskRecord &task : update.tasks) {
        if (task.state == TaskState::Queued || task.startedAt < 0)
            continue;
        const auto kind = m_kinds.find(task.batch);
        const bool notification = kind != m_kinds.end() && kind->second == BatchKind::Notifications;
        Batch *batch = nullptr;
        if (notification) {
            batch = notificationsTarget(task);
        } else if (const auto it = m_batches.find(task.batch); it != m_batches.end()) {
            batch = &it->second;
        }
        if (!batch)
            continue;
        Lane &lane = laneOf(*batch, task.worker, notification);
        if (task.state == TaskState::Running) {
            lane.running = Running{task.id, task.url.toString(), task.startedAt};
        } else {
            if (lane.running.id == task.id)
                lane.running = {};
            m_where[task.id] = {batch->record.id, int(&lane - batch->lanes.data()), lane.tasks.size()};
            lane.add(TaskSpan::from(task));
        }
        touched(batch->record.id);
    }
    for (const BatchId id : changed)
        Q_EMIT this->changed(id);
}

void TimelineModel::load(const BatchRecord &record, const QList<TaskSpan> &spans)
{
    if (m_batches.count(record.id) > 0)
        return;
    Batch &batch = m_batches[record.id];
    batch.record = record;
    batch.recorded = true;
    // The history lists tasks by id; a lane holds its worker's tasks in the order they ran.
    std::vector<const TaskSpan *> byStart;
    byStart.reserve(size_t(spans.size()));
    for (const TaskSpan &span : spans)
        byStart.push_back(&span);
    std::stable_sort(byStart.begin(), byStart.end(), [](const TaskSpan *a, const TaskSpan *b) { return a->startedAt < b->startedAt; });
    for (const TaskSpan *span : byStart) {
        Lane &lane = laneOf(batch, span->worker, false);
        m_where[span->id] = {record.id, int(&lane - batch.lanes.data()), lane.tasks.size()};
        lane.add(*span);
    }
    Q_EMIT changed(record.id);
}

void TimelineModel::removeBatches(const QSet<BatchId> &batches)
{
    // Taken out here, freed elsewhere (a batch of 100,000 tasks leaves as many spans and nodes).
    std::vector<decltype(m_where)::node_type> goneWhere;
    for (auto it = m_where.begin(); it != m_where.end();)
        if (batches.contains(it->second.batch))
            goneWhere.push_back(m_where.extract(it++));
        else
            ++it;
    std::vector<decltype(m_batches)::node_type> gone;
    for (const BatchId id : batches) {
        m_kinds.erase(id);
        if (auto batch = m_batches.extract(id))
            gone.push_back(std::move(batch));
    }
    std::vector<BatchId> removed;
    for (const auto &batch : gone)
        removed.push_back(batch.key());
    freeElsewhere(std::pair(std::move(goneWhere), std::move(gone)));
    for (const BatchId id : removed)
        Q_EMIT changed(id);
}

const TimelineModel::Batch *TimelineModel::batch(BatchId id) const
{
    const auto it = m_batches.find(id);
    return it == m_batches.end() ? nullptr : &it->second;
}

const TaskSpan *TimelineModel::find(TaskId id, BatchId *batch, int *lane) const
{
    const auto it = m_where.find(id);
    if (it == m_where.end())
        return nullptr;
    const Where &where = it->second;
    if (batch)
        *batch = where.batch;
    if (lane)
        *lane = where.lane;
    return &m_batches.at(where.batch).lanes[size_t(where.lane)].tasks[where.index];
}

} // namespace loopscope
