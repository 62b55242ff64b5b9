#include "TimelinePanel.h"

#include "TimelineView.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
QString swatch(const QColor &colour, const QString &name)
{
    return u"<span style=\"color:%1\">■</span>&nbsp;%2"_s.arg(colour.name(), name.toHtmlEscaped());
}
} // namespace

TimelinePanel::TimelinePanel(const TimelineModel &model, QWidget *parent)
    : QWidget(parent)
    , m_view(new TimelineView(model, this))
{
    m_view->setObjectName(u"timelineView"_s);
    auto *fit = new QToolButton(this);
    fit->setObjectName(u"timelineFit"_s);
    fit->setText(tr("Fit"));
    fit->setToolTip(tr("Show the whole batch (the wheel zooms, dragging pans)"));
    connect(fit, &QToolButton::clicked, m_view, &TimelineView::fit);

    QStringList legend;
    using Phase = TaskSpan::Phase;
    for (const Phase phase : {Phase::Dns, Phase::Connect, Phase::Tls, Phase::FirstByte, Phase::Transfer, Phase::Backoff})
        legend << swatch(TimelineView::colourOf(phase), TaskSpan::phaseName(phase));
    legend << u"&nbsp;&nbsp;"_s + tr("ended:");
    for (const TaskState state : {TaskState::Succeeded, TaskState::Failed, TaskState::Cancelled})
        legend << swatch(TimelineView::colourOf(state), stateName(state));
    legend << swatch(TimelineView::colourOf(TaskState::Running), stateName(TaskState::Running));
    auto *key = new QLabel(legend.join(u"&nbsp;&nbsp;"_s), this);
    key->setTextFormat(Qt::RichText);

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 0);
    bar->addWidget(fit);
    bar->addWidget(key, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
}

} // namespace loopscope
