#include "BatchRun.h"

#include "UrlList.h"

#include <algorithm>

namespace loopscope {

BatchRun::BatchRun(const BatchPlan &plan, qint64 now, TaskId appendFrom)
    : m_nextAppended(plan.taskIds.isEmpty() ? appendFrom : plan.taskIds.last() + 1)
    , m_taskChanged(size_t(plan.urls.size()), 1)
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
    m_changedTasks.reserve(size_t(plan.urls.size()));
    m_workerNames.reserve(m_workers.size());
    for (size_t i = 0; i < m_workers.size(); ++i)
        m_workerNames.push_back(loopscope::workerName(int(i)));
    for (int i = 0; i < plan.urls.size(); ++i) {
        TaskRecord &task = m_tasks.emplace_back();
        task.id = plan.taskIds[i];
        task.batch = plan.id;
        task.url = plan.urls[i];
        task.queuedAt = now;
        m_changedTasks.push_back(i);
        m_queue.push(i, hostAndPort(task.url), shownHost(task.url));
    }
}

int BatchRun::indexOf(TaskId id) const
{
    if (m_tasks.empty() || id < m_tasks.front().id || id > m_tasks.back().id)
        return -1;
    if (m_consecutive)
        return int(id - m_tasks.front().id);
    // A resumed batch holds only the tasks that had not ended: ids ascend with gaps.
    const auto it = std::lower_bound(m_tasks.begin(), m_tasks.end(), id,
                                     [](const TaskRecord &task, TaskId wanted) { return task.id < wanted; });
    return it != m_tasks.end() && it->id == id ? int(it - m_tasks.begin()) : -1;
}

int BatchRun::append(const QUrl &url, qint64 now)
{
    const int index = size();
    TaskRecord &task = m_tasks.emplace_back();
    task.id = m_nextAppended++;
    task.batch = m_record.id;
    task.url = url;
    task.queuedAt = now;
    ++m_record.total;
    ++m_record.counts[int(TaskState::Queued)];
    m_taskChanged.push_back(0);
    touch(index);
    m_queue.push(index, hostAndPort(url), shownHost(url));
    return index;
}

bool BatchRun::move(int index, TaskState to, qint64 now)
{
    TaskRecord &task = m_tasks[size_t(index)];
    if (!canMove(task.state, to))
        return false;
    --m_record.counts[int(task.state)];
    ++m_record.counts[int(to)];
    if (to == TaskState::Running) {
        task.startedAt = now;
        if (m_record.firstStartedAt < 0)
            m_record.firstStartedAt = now;
        m_record.runningSince += now;
    } else {
        if (task.state == TaskState::Running) {
            m_record.runningSince -= task.startedAt;
            m_record.finishedRunMs += now - task.startedAt;
        }
        task.finishedAt = now;
        m_record.lastFinishedAt = std::max(m_record.lastFinishedAt, now);
    }
    task.state = to;
    touch(index);
    return true;
}

void BatchRun::touch(int index)
{
    m_batchChanged = true;
    if (!m_taskChanged[size_t(index)]) {
        m_taskChanged[size_t(index)] = 1;
        m_changedTasks.push_back(index);
    }
}

void BatchRun::setBlockedHost(const QString &host)
{
    if (m_record.blockedHost == host)
        return;
    m_record.blockedHost = host;
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
    const size_t taken = std::min(m_changedTasks.size(), size_t(std::max<qsizetype>(maxTasks, 0)));
    update.tasks.reserve(update.tasks.size() + qsizetype(taken));
    for (size_t i = 0; i < taken; ++i) {
        const int index = m_changedTasks[i];
        update.tasks.append(m_tasks[size_t(index)]);
        m_taskChanged[size_t(index)] = 0;
    }
    m_changedTasks.erase(m_changedTasks.begin(), m_changedTasks.begin() + std::ptrdiff_t(taken));
    update.batches.append(m_record);
    m_batchChanged = !m_changedTasks.empty();
}

} // namespace loopscope
