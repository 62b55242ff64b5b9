#include "ChromeTrace.h"

#include "TaskState.h"

#include <cstdio>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
constexpr int BatchLane = 0;
constexpr int NotificationLane = 100'000;
constexpr int FirstUnnumberedLane = 100'001;

void appendString(QByteArray &out, const QString &text)
{
    out += '"';
    for (const char c : text.toUtf8()) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(c));
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendNumber(QByteArray &out, double value)
{
    out += QByteArray::number(value, 'f', 3);
}
} // namespace

ChromeTrace::ChromeTrace(qint64 originMs)
    : m_originUs(originMs * 1000)
{
    m_events.reserve(1 << 16);
    m_events += R"({"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"Loopscope"}})";
    m_events += R"(,{"ph":"M","name":"thread_name","pid":1,"tid":0,"args":{"name":"Batches"}})";
    m_events += R"(,{"ph":"M","name":"thread_sort_index","pid":1,"tid":0,"args":{"sort_index":-1}})";
}

// Begins an event up to its args (the caller adds its own, or closes it with end()).
void ChromeTrace::begin(char phase, const QByteArray &category, const QByteArray &id, const QString &name, int lane, qint64 us)
{
    m_events += R"(,{"ph":")";
    m_events += phase;
    m_events += R"(","cat":")" + category + '"';
    if (!id.isEmpty())
        m_events += R"(,"id":")" + id + '"';
    m_events += R"(,"name":)";
    appendString(m_events, name);
    m_events += R"(,"pid":1,"tid":)" + QByteArray::number(lane) + R"(,"ts":)" + QByteArray::number(us - m_originUs);
}

void ChromeTrace::end()
{
    m_events += '}';
}

void ChromeTrace::addBatch(const BatchRecord &batch)
{
    if (batch.firstStartedAt < 0)
        return;
    const QByteArray id = "batch-" + QByteArray::number(batch.id);
    const qint64 endMs = batch.lastFinishedAt >= batch.firstStartedAt ? batch.lastFinishedAt : batch.firstStartedAt;
    begin('b', "batch", id, batch.name, BatchLane, batch.firstStartedAt * 1000);
    m_events += R"(,"args":{"batch":)" + QByteArray::number(batch.id) + R"(,"tasks":)" + QByteArray::number(batch.total);
    for (int state = 0; state < TaskStateCount; ++state)
        m_events += ",\"" + stateName(TaskState(state)).toLatin1() + "\":" + QByteArray::number(batch.counts[size_t(state)]);
    m_events += "}}";
    begin('e', "batch", id, batch.name, BatchLane, endMs * 1000);
    end();
}

int ChromeTrace::laneOf(const TaskSpan &task, bool notification)
{
    if (notification) {
        if (!m_hasNotifications) {
            m_hasNotifications = true;
            m_events += R"(,{"ph":"M","name":"thread_name","pid":1,"tid":)" + QByteArray::number(NotificationLane)
                      + R"(,"args":{"name":"Notifications"}})";
        }
        return NotificationLane;
    }
    const auto known = m_workerLanes.constFind(task.worker);
    if (known != m_workerLanes.cend())
        return *known;
    // "Worker 7" keeps 7 for its track, so that the tracks sort as the workers do.
    bool numbered = false;
    int lane = task.worker.startsWith(u"Worker "_s) ? task.worker.mid(7).toInt(&numbered) : 0;
    if (!numbered || lane <= 0 || lane >= NotificationLane)
        lane = FirstUnnumberedLane + int(m_workerLanes.size());
    m_workerLanes.insert(task.worker, lane);
    m_events += R"(,{"ph":"M","name":"thread_name","pid":1,"tid":)" + QByteArray::number(lane) + R"(,"args":{"name":)";
    appendString(m_events, task.worker.isEmpty() ? u"(no worker)"_s : task.worker);
    m_events += "}}";
    return lane;
}

void ChromeTrace::addTask(const TaskSpan &task, bool notification)
{
    if (!task.ran())
        return;
    const int lane = laneOf(task, notification);
    const QByteArray id = "task-" + QByteArray::number(task.id);
    const QString name = task.worker.isEmpty() ? u"task %1"_s.arg(task.id) : task.worker;
    begin('b', "task", id, name, lane, task.startUs());
    m_events += R"(,"args":{"task":)" + QByteArray::number(task.id) + R"(,"url":)";
    appendString(m_events, task.url);
    m_events += R"(,"state":")" + stateName(task.state).toLatin1() + '"';
    if (task.httpStatus > 0)
        m_events += R"(,"http_status":)" + QByteArray::number(task.httpStatus);
    if (!task.error.isEmpty()) {
        m_events += R"(,"error":)";
        appendString(m_events, task.error);
    }
    m_events += "}}";
    // Pieces come attempt by attempt, each attempt before its phases: the phases close before
    // their attempt does.
    const std::vector<TaskSpan::Piece> pieces = task.pieces();
    qint64 openAttemptEndUs = -1;
    QString openAttempt;
    const auto closeAttempt = [&] {
        if (openAttemptEndUs < 0)
            return;
        begin('e', "task", id, openAttempt, lane, openAttemptEndUs);
        end();
        openAttemptEndUs = -1;
    };
    for (const TaskSpan::Piece &piece : pieces) {
        if (piece.phase == TaskSpan::Phase::Attempt || piece.phase == TaskSpan::Phase::Backoff)
            closeAttempt();
        const QString pieceName = piece.phase == TaskSpan::Phase::Attempt ? u"attempt %1"_s.arg(piece.attempt) : TaskSpan::phaseName(piece.phase);
        begin('b', "task", id, pieceName, lane, piece.startUs);
        if (piece.phase == TaskSpan::Phase::Attempt) {
            const TaskSpan::Attempt &attempt = task.attempts[size_t(piece.attempt - 1)];
            m_events += R"(,"args":{"http_status":)" + (attempt.httpStatus > 0 ? QByteArray::number(attempt.httpStatus) : QByteArray("null"));
            if (!attempt.timings.httpVersion.isEmpty())
                m_events += R"(,"http_version":")" + attempt.timings.httpVersion.toLatin1() + '"';
            m_events += R"(,"reused":)" + QByteArray(attempt.timings.reused ? "true" : "false") + "}}";
            openAttempt = pieceName;
            openAttemptEndUs = piece.endUs;
            continue;
        }
        end();
        begin('e', "task", id, pieceName, lane, piece.endUs);
        end();
    }
    closeAttempt();
    begin('e', "task", id, name, lane, task.endUs());
    end();
}

void ChromeTrace::addLoopReport(const LoopReport &report)
{
    begin('C', "loop", {}, report.loop + u" lag (ms)"_s, BatchLane, report.at * 1000);
    m_events += R"(,"args":{"p50":)";
    appendNumber(m_events, report.lagP50Ms);
    m_events += R"(,"p99":)";
    appendNumber(m_events, report.lagP99Ms);
    m_events += R"(,"worst":)";
    appendNumber(m_events, report.lagMaxMs);
    m_events += "}}";
}

void ChromeTrace::addSlowCallback(const SlowCallback &callback)
{
    begin('i', "loop", {}, callback.loop + u": "_s + callback.what, BatchLane, callback.at * 1000);
    m_events += R"(,"s":"p","args":{"loop":)";
    appendString(m_events, callback.loop);
    m_events += R"(,"ms":)";
    appendNumber(m_events, callback.ms);
    m_events += "}}";
}

QByteArray ChromeTrace::toJson() const
{
    return R"({"displayTimeUnit":"ms","traceEvents":[)" + m_events + "]}\n";
}

} // namespace loopscope
