#include "HostsModel.h"

#include "Format.h"
#include "TaskTableModel.h"

#include <QHash>
#include <QLocale>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace loopscope {

QString HostsModel::hostOf(const QString &url)
{
    const qsizetype scheme = url.indexOf(u"://"_s);
    const qsizetype start = scheme < 0 ? 0 : scheme + 3;
    qsizetype end = start;
    while (end < url.size() && url[end] != u'/' && url[end] != u'?' && url[end] != u'#')
        ++end;
    QString host = url.mid(start, end - start);
    if (const qsizetype at = host.lastIndexOf(u'@'); at >= 0)
        host = host.mid(at + 1); // user:password@host
    return host.toLower();
}

int HostsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int HostsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HostsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Row &row = m_rows[size_t(index.row())];
    if (role == Qt::TextAlignmentRole && index.column() != Host && index.column() != Slowed)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Slowed)
        return row.slowed;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Host:
        return row.host;
    case InUse:
        return tr("%1 of %2").arg(row.running).arg(row.limit);
    case Done:
        return formatNumber(row.done);
    case Failed:
        return formatNumber(row.failed);
    case FirstByte:
        return row.firstByteMs < 0 ? QString() : tr("%1 ms").arg(QLocale().toString(row.firstByteMs, 'f', row.firstByteMs < 10 ? 2 : 0));
    case Bytes:
        return formatBytes(row.bytes);
    case Slowed:
        return row.slowed;
    default:
        return {};
    }
}

QVariant HostsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Host:
        return tr("Host");
    case InUse:
        return tr("Connections");
    case Done:
        return tr("Done");
    case Failed:
        return tr("Failed");
    case FirstByte:
        return tr("First byte (median)");
    case Bytes:
        return tr("Received");
    case Slowed:
        return tr("Slowed");
    default:
        return {};
    }
}

void HostsModel::refresh(const TaskTableModel &tasks, const BatchRecord *batch)
{
    std::vector<Row> rows;
    if (batch) {
        QHash<QString, size_t> rowOf;
        std::vector<std::vector<double>> firstBytes;
        for (int i = 0; i < tasks.rowCount(); ++i) {
            const TaskRecord &task = tasks.task(i);
            if (task.batch != batch->id)
                continue;
            const QString host = hostOf(tasks.urlText(i));
            auto it = rowOf.constFind(host);
            if (it == rowOf.cend()) {
                it = rowOf.insert(host, rows.size());
                rows.push_back(Row{host, 0, batch->settings.hostLimit(), 0, 0, -1, 0, {}});
                firstBytes.emplace_back();
            }
            Row &row = rows[*it];
            row.running += task.state == TaskState::Running ? 1 : 0;
            row.done += isTerminal(task.state) ? 1 : 0;
            row.failed += task.state == TaskState::Failed ? 1 : 0;
            row.bytes += task.bytesReceived;
            if (isTerminal(task.state) && task.timings.ttfbMs >= 0)
                firstBytes[*it].push_back(task.timings.ttfbMs);
        }
        for (size_t i = 0; i < rows.size(); ++i) {
            std::vector<double> &times = firstBytes[i];
            if (!times.empty()) {
                std::nth_element(times.begin(), times.begin() + qsizetype(times.size() / 2), times.end());
                rows[i].firstByteMs = times[times.size() / 2];
            }
        }
        for (const SlowedHost &slowed : batch->slowedHosts) {
            if (const auto it = rowOf.constFind(slowed.host); it != rowOf.cend()) {
                rows[*it].limit = slowed.limit;
                rows[*it].slowed = slowed.reason;
            }
        }
        std::sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) { return a.host < b.host; });
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

} // namespace loopscope
