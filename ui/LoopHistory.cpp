#include "LoopHistory.h"

#include "EngineClock.h"

#include <QLocale>

namespace loopscope {

int LoopHistory::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_slow.size());
}

int LoopHistory::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LoopHistory::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const SlowCallback &callback = m_slow[size_t(index.row())];
    if (role == Qt::TextAlignmentRole && index.column() == Took)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == What)
        return callback.what;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case At:
        return QLocale().toString(EngineClock::toUtc(callback.at).toLocalTime().time(), QLocale::LongFormat);
    case Loop:
        return callback.loop;
    case Took:
        return tr("%1 ms").arg(QLocale().toString(callback.ms, 'f', 0));
    case What:
        return callback.what;
    default:
        return {};
    }
}

QVariant LoopHistory::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case At:
        return tr("At");
    case Loop:
        return tr("Loop");
    case Took:
        return tr("Took");
    case What:
        return tr("What ran");
    default:
        return {};
    }
}

void LoopHistory::addReport(const LoopReport &report)
{
    std::deque<LoopReport> &reports = m_reports[report.loop];
    if (!m_loopOrder.contains(report.loop))
        m_loopOrder << report.loop;
    reports.push_back(report);
    if (qsizetype(reports.size()) > MaxReports)
        reports.pop_front();
    Q_EMIT reported(report.loop);
}

void LoopHistory::addSlowCallback(const SlowCallback &callback)
{
    ++m_slowCounts[callback.loop];
    if (qsizetype(m_slow.size()) >= MaxSlowCallbacks) {
        beginRemoveRows({}, 0, 0);
        m_slow.pop_front();
        endRemoveRows();
    }
    beginInsertRows({}, rowCount(), rowCount());
    m_slow.push_back(callback);
    endInsertRows();
}

const std::deque<LoopReport> &LoopHistory::reports(const QString &loop) const
{
    static const std::deque<LoopReport> none;
    const auto it = m_reports.find(loop);
    return it == m_reports.end() ? none : it->second;
}

int LoopHistory::slowCallbackCount(const QString &loop) const
{
    const auto it = m_slowCounts.find(loop);
    return it == m_slowCounts.end() ? 0 : it->second;
}

} // namespace loopscope
