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
    void emitFor(QAbstractItemModel &model, int columnCount);

private:
    std::vector<int> m_rows;
};

} // namespace loopscope
