#pragma once

#include <QWidget>

#include <map>

class QLabel;
class QTableView;
class QVBoxLayout;

namespace loopscope {

class LoopHistory;

// The Loops panel: per loop, its lag over the run and now, and below, every callback that held
// a loop too long, newest last.
class LoopsPanel : public QWidget {
    Q_OBJECT
public:
    explicit LoopsPanel(LoopHistory &history, QWidget *parent = nullptr);

private:
    void showLoop(const QString &loop);
    void updateSummary(const QString &loop);

    LoopHistory &m_history;
    QVBoxLayout *m_charts;
    std::map<QString, QLabel *> m_summaries;
    QTableView *m_slowView;
};

} // namespace loopscope
