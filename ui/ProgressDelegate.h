#pragma once

#include <QStyledItemDelegate>

namespace loopscope {

// Paints a progress bar for cells whose progress role holds 0…1000; other cells (and -1,
// "size unknown") are painted as usual.
class ProgressDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    ProgressDelegate(int progressRole, QObject *parent);
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_role;
};

} // namespace loopscope
