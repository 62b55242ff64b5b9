#pragma once

#include "BatchRecord.h"

#include <QWidget>

namespace loopscope {

class TimelineModel;
class TimelineView;

// The timeline with what a reader needs beside it: which batch it shows, a Fit button, and
// what the colours mean.
class TimelinePanel : public QWidget {
    Q_OBJECT
public:
    explicit TimelinePanel(const TimelineModel &model, QWidget *parent = nullptr);

    TimelineView *view() const { return m_view; }

private:
    TimelineView *m_view;
};

} // namespace loopscope
