#pragma once

#include "BatchRecord.h"
#include "PhaseStats.h"

#include <QDialog>

#include <map>

class QComboBox;
class QLabel;

namespace loopscope {

class PhaseHistogram;
class TimelineModel;

// Where a batch's time went: for all its hosts or one, a histogram of each phase of its
// attempts with p50, p90, p99 and max, and how the attempts ended, by HTTP status and by error.
class BatchDetailsDialog : public QDialog {
    Q_OBJECT
public:
    BatchDetailsDialog(const TimelineModel &timeline, BatchId batch, QWidget *parent = nullptr);

private:
    void showHost(const QString &host); // empty: all

    PhaseStats m_all;
    std::map<QString, PhaseStats> m_byHost;
    QComboBox *m_host;
    QLabel *m_outcomes;
    std::array<PhaseHistogram *, PhaseStats::PhaseCount> m_histograms{};
};

} // namespace loopscope
