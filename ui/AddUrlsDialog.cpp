#include "AddUrlsDialog.h"

#include "Format.h"
#include "UrlImport.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
constexpr int ShownRejections = 200;
}

AddUrlsDialog::AddUrlsDialog(const QString &defaultName, const BatchSettings &defaults, QWidget *parent)
    : QDialog(parent)
    , m_name(new QLineEdit(defaultName, this))
    , m_text(new QPlainTextEdit(this))
    , m_counts(new QLabel(this))
    , m_rejected(new QListWidget(this))
    , m_concurrency(new QSpinBox(this))
    , m_perHost(new QSpinBox(this))
    , m_limitRate(new QSpinBox(this))
    , m_timeout(new QDoubleSpinBox(this))
    , m_idleTimeout(new QDoubleSpinBox(this))
    , m_retries(new QSpinBox(this))
    , m_outputDir(new QLineEdit(defaults.outputDir, this))
    , m_overwrite(new QCheckBox(tr("Replace files of the same name"), this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
    , m_debounce(new QTimer(this))
    , m_defaults(defaults)
{
    setWindowTitle(tr("Add URLs"));
    m_text->setPlaceholderText(tr("One http or https URL per line; lines starting with # are skipped."));
    m_text->setAccessibleName(tr("URLs"));
    m_text->setTabChangesFocus(true);
    m_name->setAccessibleName(tr("Batch name"));
    m_rejected->setAccessibleName(tr("Rejected lines"));
    m_counts->setObjectName(u"validationCounts"_s);
    m_rejected->setMaximumHeight(110);
    m_concurrency->setObjectName(u"concurrency"_s);
    m_concurrency->setRange(1, 1000);
    m_concurrency->setValue(defaults.concurrency);
    m_perHost->setObjectName(u"perHost"_s);
    m_perHost->setRange(0, 1000);
    m_perHost->setSpecialValueText(tr("as many as workers")); // shown at 0
    m_perHost->setValue(defaults.perHost);
    m_limitRate->setObjectName(u"limitRate"_s);
    m_limitRate->setRange(0, 1 << 30); // KiB/s, up to 1 TiB/s
    m_limitRate->setSuffix(tr(" KiB/s"));
    m_limitRate->setSpecialValueText(tr("no limit"));
    m_limitRate->setToolTip(tr("What the whole batch may receive per second, all workers together."));
    m_limitRate->setValue(int(defaults.limitRate / 1024));
    for (QDoubleSpinBox *seconds : {m_timeout, m_idleTimeout}) {
        seconds->setRange(0, 3600);
        seconds->setSuffix(tr(" s"));
        seconds->setSpecialValueText(tr("no limit")); // shown at 0
    }
    m_timeout->setValue(defaults.timeoutMs / 1000.0);
    m_idleTimeout->setValue(defaults.idleTimeoutMs / 1000.0);
    m_retries->setRange(0, 20);
    m_retries->setValue(defaults.retries);
    m_outputDir->setObjectName(u"outputDir"_s);
    m_outputDir->setAccessibleName(tr("Save to folder"));
    m_outputDir->setPlaceholderText(tr("Don't save the bodies"));
    m_outputDir->setClearButtonEnabled(true);
    auto *browse = new QPushButton(tr("&Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Save to Folder"), m_outputDir->text());
        if (!folder.isEmpty())
            m_outputDir->setText(QDir::toNativeSeparators(folder));
    });
    m_overwrite->setObjectName(u"overwrite"_s);
    m_overwrite->setToolTip(tr("Unchecked, a name already taken is saved as “name (1).ext”."));
    m_overwrite->setChecked(defaults.overwrite);
    auto *outputRow = new QHBoxLayout;
    outputRow->addWidget(m_outputDir, 1);
    outputRow->addWidget(browse);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Queue"));

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Workers:"), m_concurrency);
    form->addRow(tr("Per &host:"), m_perHost);
    form->addRow(tr("&Limit rate:"), m_limitRate);
    form->addRow(tr("&Timeout per attempt:"), m_timeout);
    form->addRow(tr("&Idle timeout:"), m_idleTimeout);
    form->addRow(tr("&Retries:"), m_retries);
    form->addRow(tr("&Save to folder:"), outputRow);
    static_cast<QLabel *>(form->labelForField(outputRow))->setBuddy(m_outputDir);
    form->addRow(QString(), m_overwrite);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("&URLs:"), this));
    static_cast<QLabel *>(layout->itemAt(0)->widget())->setBuddy(m_text);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_counts);
    layout->addWidget(m_rejected);
    layout->addLayout(form);
    layout->addWidget(m_buttons);
    resize(640, 520);

    m_debounce->setSingleShot(true);
    m_debounce->setInterval(150);
    connect(m_debounce, &QTimer::timeout, this, [this] {
        m_validation.setFuture(parseUrlsInBackground(m_text->toPlainText(), tr("line")));
    });
    connect(&m_validation, &QFutureWatcherBase::finished, this, [this] { showValidation(m_validation.result()); });
    connect(m_text, &QPlainTextEdit::textChanged, this, &AddUrlsDialog::validateSoon);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    showValidation({});
}

void AddUrlsDialog::setText(const QString &text)
{
    m_text->setPlainText(text);
}

void AddUrlsDialog::validateSoon()
{
    // Until the new text is checked, queuing would use the old result.
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    m_debounce->start();
}

void AddUrlsDialog::showValidation(const UrlList &parsed)
{
    m_parsed = parsed;
    m_counts->setText(countOf(parsed.urls.size(), tr("valid URL"), tr("valid URLs")) + u", "
                      + countOf(parsed.rejectedCount, tr("rejected line"), tr("rejected lines")));
    m_rejected->clear();
    for (const RejectedLine &line : parsed.rejected.mid(0, ShownRejections))
        m_rejected->addItem(tr("Line %1: %2").arg(line.line).arg(line.reason));
    if (parsed.rejectedCount > ShownRejections)
        m_rejected->addItem(tr("… and %1 more").arg(parsed.rejectedCount - ShownRejections));
    m_rejected->setVisible(!parsed.rejected.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!parsed.urls.isEmpty());
}

QString AddUrlsDialog::batchName() const
{
    return m_name->text().trimmed();
}

BatchSettings AddUrlsDialog::settings() const
{
    BatchSettings settings = m_defaults;
    settings.concurrency = m_concurrency->value();
    settings.perHost = m_perHost->value();
    settings.limitRate = qint64(m_limitRate->value()) * 1024;
    settings.timeoutMs = int(m_timeout->value() * 1000);
    settings.idleTimeoutMs = int(m_idleTimeout->value() * 1000);
    settings.retries = m_retries->value();
    const QString folder = m_outputDir->text().trimmed();
    // Absolute, so that where the files go does not depend on the app's working folder.
    settings.outputDir = folder.isEmpty() ? QString() : QDir::cleanPath(QDir(QDir::fromNativeSeparators(folder)).absolutePath());
    settings.overwrite = m_overwrite->isChecked();
    return settings;
}

} // namespace loopscope
