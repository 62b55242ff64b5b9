#include "ChangedRows.h"

#include <algorithm>

namespace loopscope {

namespace {
constexpr size_t MaxRanges = 32;

void announce(QAbstractItemModel &model, int first, int last, int firstColumn, int columnCount)
{
    Q_EMIT model.dataChanged(model.index(first, firstColumn), model.index(last, columnCount - 1));
}
} // namespace

void ChangedRows::emitFor(QAbstractItemModel &model, int columnCount, int firstColumn)
{
    if (m_rows.empty())
        return;
    std::sort(m_rows.begin(), m_rows.end());
    m_rows.erase(std::unique(m_rows.begin(), m_rows.end()), m_rows.end());
    std::vector<std::pair<int, int>> ranges;
    for (const int row : m_rows) {
        if (!ranges.empty() && ranges.back().second + 1 == row)
            ranges.back().second = row;
        else
            ranges.emplace_back(row, row);
    }
    if (ranges.size() > MaxRanges)
        ranges = {{ranges.front().first, ranges.back().second}};
    for (const auto &[first, last] : ranges)
        announce(model, first, last, firstColumn, columnCount);
    m_rows.clear();
}

} // namespace loopscope
