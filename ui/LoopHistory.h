#pragma once

#include "LoopReport.h"

#include <QAbstractTableModel>
#include <QList>
#include <QStringList>

#include <deque>
#include <map>

namespace loopscope {

// What the window knows of each loop's health since it opened: the report of every second,
// per loop, and every slow callback, newest last; as a table, the slow callbacks.
class LoopHistory : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { At, Loop, Took, What, ColumnCount };
    // An hour of reports per loop, and the most recent slow callbacks, are kept.
    static constexpr qsizetype MaxReports = 3600;
    static constexpr qsizetype MaxSlowCallbacks = 10'000;

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void addReport(const LoopReport &report);
    void addSlowCallback(const SlowCallback &callback);

    // In the order their first report came.
    QStringList loops() const { return m_loopOrder; }
    const std::deque<LoopReport> &reports(const QString &loop) const;
    // How many slow callbacks the loop has had, including those no longer kept.
    int slowCallbackCount(const QString &loop) const;

Q_SIGNALS:
    void reported(const QString &loop);

private:
    QStringList m_loopOrder;
    std::map<QString, std::deque<LoopReport>> m_reports;
    std::map<QString, int> m_slowCounts;
    std::deque<SlowCallback> m_slow;
};

} // namespace loopscope
