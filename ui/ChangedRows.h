#pragma once

#include <QAbstractItemModel>

#include <vector>

namespace loopscope {

// Collects the rows an update touched and announces them as few ranged dataChanged
// signals: one per run of neighbouring rows, or a single one spanning them all when
// the runs are many.
class ChangedRows {
public:
    void add(int row) { m_rows.push_back(row); }
    // Columns from firstColumn on: a column whose cells never change (a task's id) is left out,
    // so that a proxy sorted by it need not sort again.
    void emitFor(QAbstractItemModel &model, int columnCount, int firstColumn = 0);

private:
    std::vector<int> m_rows;
};

} // namespace loopscope
