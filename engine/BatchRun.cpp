#include "BatchRun.h"

namespace loopscope {

namespace {
QString hostKey(const QUrl &url)
{
    return url.host() + u':' + QString::number(url.port(url.scheme() == u"https" ? 443 : 80));
}
} // namespace

BatchRun::BatchRun(BatchId id, const QString &name, const BatchSettings &settings, TaskId firstTask,
                   const QList<QUrl> &urls, qint64 now)
    : m_firstTask(firstTask)
    , m_taskChanged(size_t(urls.size()), 1)
    , m_queue(settings.perHost)
    , m_workers(size_t(settings.concurrency))
{
    m_record.id = id;
    m_record.firstTask = firstTask;
    m_record.name = name;
    m_record.settings = settings;
    m_record.total = int(urls.size());
    m_record.counts[int(TaskState::Queued)] = m_record.total;
    m_changedTasks.reserve(size_t(urls.size()));
    for (int i = 0; i < urls.size(); ++i) {
        TaskRecord &task = m_tasks.emplace_back();
        task.id = firstTask + TaskId(i);
        task.batch = id;
        task.url = urls[i];
        task.queuedAt = now;
        m_changedTasks.push_back(i);
        m_queue.push(i, hostKey(task.url));
    }
}

int BatchRun::append(const QUrl &url, qint64 now)
{
    const int index = size();
    TaskRecord &task = m_tasks.emplace_back();
    task.id = m_firstTask + TaskId(index);
    task.batch = m_record.id;
    task.url = url;
    task.queuedAt = now;
    ++m_record.total;
    ++m_record.counts[int(TaskState::Queued)];
    m_taskChanged.push_back(0);
    touch(index);
    m_queue.push(index, hostKey(url));
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

int BatchRun::freeWorker() const
{
    for (size_t i = 0; i < m_workers.size(); ++i) {
        if (!m_workers[i].token)
            return int(i);
    }
    return -1;
}

QString BatchRun::workerName(int worker)
{
    return QStringLiteral("Worker %1").arg(worker + 1);
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
