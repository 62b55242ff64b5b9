#include "TaskFilterBar.h"

#include "CurrentSelection.h"
#include "TaskFilterProxy.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
constexpr int FilterDelayMs = 150;
}

TaskFilterBar::TaskFilterBar(TaskFilterProxy &filter, const CurrentSelection &selection, QWidget *parent)
    : QWidget(parent)
    , m_filter(filter)
    , m_selection(selection)
{
    auto *state = new QComboBox(this);
    state->setObjectName(u"stateFilter"_s);
    state->setAccessibleName(tr("State filter"));
    state->addItems({tr("All states"), tr("Queued"), tr("Running"), tr("Succeeded"), tr("Failed"), tr("Cancelled"), tr("Not succeeded")});
    m_text = new QLineEdit(this);
    m_text->setObjectName(u"textFilter"_s);
    m_text->setAccessibleName(tr("Text filter"));
    m_text->setPlaceholderText(tr("Filter by URL or error…"));
    m_text->setClearButtonEnabled(true);
    m_allBatches = new QCheckBox(tr("&All batches"), this);
    m_allBatches->setObjectName(u"allBatches"_s);
    m_allBatches->setChecked(true);
    connect(state, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_filter.setStateFilter(TaskFilterProxy::StateFilter(index)); });
    // Typing refilters once the user pauses, not on every key.
    auto *delay = new QTimer(this);
    delay->setSingleShot(true);
    delay->setInterval(FilterDelayMs);
    connect(m_text, &QLineEdit::textChanged, delay, qOverload<>(&QTimer::start));
    connect(delay, &QTimer::timeout, this, [this] { m_filter.setText(m_text->text()); });
    connect(m_allBatches, &QCheckBox::toggled, this, &TaskFilterBar::applyBatch);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *label = new QLabel(tr("&Show:"), this);
    label->setBuddy(state);
    layout->addWidget(label);
    layout->addWidget(state);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_allBatches);
}

void TaskFilterBar::batchSelectionChanged()
{
    if (m_selection.batch())
        m_allBatches->setChecked(false);
    applyBatch();
}

void TaskFilterBar::applyBatch()
{
    m_filter.setBatch(m_allBatches->isChecked() ? 0 : m_selection.batch());
}

} // namespace loopscope
