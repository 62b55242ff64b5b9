#include "BatchDetailsDialog.h"

#include "Format.h"
#include "PhaseHistogram.h"
#include "TimelineModel.h"
#include "UrlList.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace loopscope {

BatchDetailsDialog::BatchDetailsDialog(const TimelineModel &timeline, BatchId batch, QWidget *parent)
    : QDialog(parent)
    , m_host(new QComboBox(this))
    , m_outcomes(new QLabel(this))
{
    const TimelineModel::Batch *shown = timeline.batch(batch);
    setWindowTitle(tr("Batch %1 — Where the Time Went").arg(shown ? shown->record.name : QString::number(batch)));
    if (shown) {
        for (const TimelineModel::Lane &lane : shown->lanes) {
            if (lane.notifications)
                continue;
            for (const TaskSpan &task : lane.tasks) {
                m_all.add(task);
                m_byHost[shownHost(QUrl(task.url))].add(task);
            }
        }
    }
    m_host->setObjectName(u"detailsHost"_s);
    m_host->addItem(tr("All hosts (%1)").arg(countOf(m_all.attempts(), tr("attempt"), tr("attempts"))), QString());
    for (const auto &[host, stats] : m_byHost)
        m_host->addItem(tr("%1 (%2)").arg(host, countOf(stats.attempts(), tr("attempt"), tr("attempts"))), host);
    connect(m_host, &QComboBox::currentIndexChanged, this, [this] { showHost(m_host->currentData().toString()); });

    auto *form = new QFormLayout;
    form->addRow(tr("&Host:"), m_host);
    auto *grid = new QGridLayout;
    for (int phase = 0; phase < PhaseStats::PhaseCount; ++phase) {
        m_histograms[size_t(phase)] = new PhaseHistogram(this);
        m_histograms[size_t(phase)]->setObjectName(u"histogram-"_s + PhaseStats::phaseName(PhaseStats::Phase(phase)));
        grid->addWidget(m_histograms[size_t(phase)], phase / 2, phase % 2);
    }
    m_outcomes->setObjectName(u"detailsOutcomes"_s);
    m_outcomes->setWordWrap(true);
    m_outcomes->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(grid, 1);
    layout->addWidget(m_outcomes);
    layout->addWidget(buttons);
    resize(760, 620);
    showHost({});
}

void BatchDetailsDialog::showHost(const QString &host)
{
    const auto it = m_byHost.find(host);
    const PhaseStats &stats = host.isEmpty() || it == m_byHost.end() ? m_all : it->second;
    for (int phase = 0; phase < PhaseStats::PhaseCount; ++phase)
        m_histograms[size_t(phase)]->show(stats, PhaseStats::Phase(phase));
    QStringList statuses, errors;
    for (const auto &[status, count] : stats.statusCounts())
        statuses << (status > 0 ? QString::number(status) : tr("no response")) + u" × "_s + formatNumber(count);
    for (const auto &[kind, count] : stats.errorCounts())
        errors << kind + u" × "_s + formatNumber(count);
    m_outcomes->setText(tr("HTTP status: %1\nErrors: %2").arg(statuses.isEmpty() ? tr("none") : statuses.join(u", "_s),
                                                               errors.isEmpty() ? tr("none") : errors.join(u", "_s)));
}

} // namespace loopscope
