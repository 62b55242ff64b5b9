#include "HistoryDialog.h"

#include "Format.h"
#include "History.h"
#include "HistoryModel.h"
#include "OnPool.h"
#include "TaskWriter.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <QCoroFuture>

using namespace Qt::StringLiterals;

namespace loopscope {

HistoryDialog::HistoryDialog(History &history, QWidget *parent)
    : QDialog(parent)
    , m_history(history)
    , m_model(new HistoryModel(this))
    , m_view(new QTableView(this))
    , m_status(new QLabel(this))
    , m_rerun(new QPushButton(tr("Run &Again"), this))
    , m_retryFailed(new QPushButton(tr("&Retry Failed"), this))
    , m_export(new QPushButton(tr("&Export…"), this))
    , m_timeline(new QPushButton(tr("&Timeline"), this))
{
    setWindowTitle(tr("History"));
    m_view->setModel(m_model);
    m_view->setObjectName(u"History"_s);
    m_view->setAccessibleName(tr("Past batches"));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_status->setObjectName(u"historyStatus"_s);
    m_status->setText(tr("History in %1").arg(history.path()));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_rerun->setObjectName(u"runAgain"_s);
    m_retryFailed->setObjectName(u"retryFailed"_s);
    m_export->setObjectName(u"export"_s);
    m_timeline->setObjectName(u"showTimeline"_s);
    m_timeline->setToolTip(tr("Show the batch on the timeline, with Where the Time Went and the Hosts panel"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_rerun, QDialogButtonBox::ActionRole);
    buttons->addButton(m_retryFailed, QDialogButtonBox::ActionRole);
    buttons->addButton(m_export, QDialogButtonBox::ActionRole);
    buttons->addButton(m_timeline, QDialogButtonBox::ActionRole);
    QPushButton *reload = buttons->addButton(tr("Re&fresh"), QDialogButtonBox::ResetRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(reload, &QPushButton::clicked, this, &HistoryDialog::refresh);
    connect(m_rerun, &QPushButton::clicked, this, [this] { queueAgain(Pick::All); });
    connect(m_retryFailed, &QPushButton::clicked, this, [this] { queueAgain(Pick::Failed); });
    connect(m_export, &QPushButton::clicked, this, &HistoryDialog::exportSelected);
    connect(m_timeline, &QPushButton::clicked, this, [this] {
        if (const int row = selectedRow(); row >= 0)
            Q_EMIT timelineRequested(m_model->batch(row));
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &HistoryDialog::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &HistoryDialog::updateButtons);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(900, 420);
    updateButtons();
}

QCoro::Task<> HistoryDialog::refresh()
{
    QPointer<HistoryDialog> self(this);
    const QList<HistoryBatch> batches = co_await m_history.batches();
    if (!self)
        co_return;
    m_model->setBatches(batches);
    m_view->resizeColumnsToContents();
    if (!batches.isEmpty())
        m_view->selectRow(0);
}

int HistoryDialog::selectedRow() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().row();
}

void HistoryDialog::updateButtons()
{
    const int row = selectedRow();
    m_rerun->setEnabled(row >= 0);
    m_export->setEnabled(row >= 0);
    m_timeline->setEnabled(row >= 0);
    m_retryFailed->setEnabled(row >= 0 && m_model->batch(row).failed > 0);
}

QCoro::Task<> HistoryDialog::queueAgain(Pick pick)
{
    const int row = selectedRow();
    if (row < 0)
        co_return;
    const HistoryBatch batch = m_model->batch(row);
    QPointer<HistoryDialog> self(this);
    const QList<TaskRow> rows = co_await m_history.tasks(batch.id);
    if (!self)
        co_return;
    QList<QUrl> urls;
    QList<TaskId> retryOf;
    for (const TaskRow &task : rows) {
        if (pick == Pick::Failed && task.state != u"failed")
            continue;
        urls << QUrl(task.url, QUrl::StrictMode);
        if (pick == Pick::Failed)
            retryOf << task.id;
    }
    if (urls.isEmpty())
        co_return;
    const QString name = pick == Pick::Failed ? tr("%1 (retry failed)").arg(batch.name) : tr("%1 (again)").arg(batch.name);
    Q_EMIT queueRequested(name, urls, batch.settings, retryOf);
    m_status->setText(tr("Queued %1 as “%2”").arg(countOf(urls.size(), tr("URL"), tr("URLs")), name));
}

QCoro::Task<> HistoryDialog::exportSelected()
{
    const int row = selectedRow();
    if (row < 0)
        co_return;
    const HistoryBatch batch = m_model->batch(row);
    QString filter;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Batch %1").arg(batch.id),
                                                      u"batch-%1.jsonl"_s.arg(batch.id),
                                                      tr("JSON Lines (*.jsonl);;CSV (*.csv)"), &filter);
    if (path.isEmpty())
        co_return;
    QPointer<HistoryDialog> self(this);
    const QList<TaskRow> rows = co_await m_history.tasks(batch.id);
    const TaskWriter::Format format = path.endsWith(u".csv"_s, Qt::CaseInsensitive) ? TaskWriter::Format::Csv : TaskWriter::Format::Jsonl;
    // The file is written on a pool thread: a large batch must not stall the window. The
    // future is named: GCC 12 destroys a lambda temporary inside co_await twice.
    QFuture<QString> writing = runOnPool([path, rows, format] {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return tr("Cannot write %1: %2").arg(path, file.errorString());
        TaskWriter writer(file, format);
        for (const TaskRow &task : rows) {
            if (!writer.write(task))
                return tr("Writing %1 failed: %2").arg(path, file.errorString());
        }
        return tr("Exported %1 to %2").arg(countOf(writer.written(), tr("task"), tr("tasks")), path);
    });
    const QString outcome = co_await writing;
    if (self)
        m_status->setText(outcome);
}

} // namespace loopscope
