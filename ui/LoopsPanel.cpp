#include "LoopsPanel.h"

#include "Format.h"
#include "LoopHistory.h"
#include "LoopLagChart.h"

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace loopscope {

LoopsPanel::LoopsPanel(LoopHistory &history, QWidget *parent)
    : QWidget(parent)
    , m_history(history)
    , m_charts(new QVBoxLayout)
    , m_slowView(new QTableView(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_charts);
    auto *slowTitle = new QLabel(tr("Slow callbacks"), this);
    slowTitle->setBuddy(m_slowView);
    layout->addWidget(slowTitle);
    m_slowView->setObjectName(u"slowCallbackView"_s);
    m_slowView->setAccessibleName(tr("Slow callbacks"));
    m_slowView->setModel(&history);
    m_slowView->verticalHeader()->hide();
    m_slowView->horizontalHeader()->setStretchLastSection(true);
    m_slowView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_slowView->setColumnWidth(LoopHistory::At, 90);
    m_slowView->setColumnWidth(LoopHistory::Loop, 100);
    m_slowView->setColumnWidth(LoopHistory::Took, 70);
    layout->addWidget(m_slowView, 1);
    connect(&history, &QAbstractItemModel::rowsInserted, m_slowView, &QTableView::scrollToBottom);

    for (const QString &loop : history.loops())
        showLoop(loop);
    connect(&history, &LoopHistory::reported, this, [this](const QString &loop) {
        if (!m_summaries.contains(loop))
            showLoop(loop);
        updateSummary(loop);
    });
}

void LoopsPanel::showLoop(const QString &loop)
{
    auto *summary = new QLabel(this);
    m_summaries[loop] = summary;
    auto *chart = new LoopLagChart(m_history, loop, LoopLagChart::Style::Full, this);
    m_charts->addWidget(summary);
    m_charts->addWidget(chart, 1);
    updateSummary(loop);
}

void LoopsPanel::updateSummary(const QString &loop)
{
    const std::deque<LoopReport> &reports = m_history.reports(loop);
    if (reports.empty())
        return;
    const LoopReport &last = reports.back();
    const auto ms = [](double value) { return tr("%1 ms").arg(QLocale().toString(value, 'f', value < 10 ? 1 : 0)); };
    m_summaries[loop]->setText(tr("<b>%1</b> — lag over the last 10 s: p50 %2 · p99 %3 · worst %4 · %5")
                                   .arg(loop.toHtmlEscaped(), ms(last.lagP50Ms), ms(last.lagP99Ms), ms(last.lagMaxMs),
                                        countOf(m_history.slowCallbackCount(loop), tr("slow callback"), tr("slow callbacks"))));
}

} // namespace loopscope
