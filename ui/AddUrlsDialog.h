#pragma once

#include "BatchRecord.h"
#include "UrlList.h"

#include <QDialog>
#include <QFutureWatcher>

class QCheckBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;
class QTimer;

namespace loopscope {

// Paste or type URLs, see at once which lines would be rejected and why, name the batch and
// choose its settings.
class AddUrlsDialog : public QDialog {
    Q_OBJECT
public:
    AddUrlsDialog(const QString &defaultName, const BatchSettings &defaults, QWidget *parent = nullptr);

    QString batchName() const;
    BatchSettings settings() const;
    const UrlList &urls() const { return m_parsed; }
    void setText(const QString &text);

private:
    void validateSoon();
    void showValidation(const UrlList &parsed);

    QLineEdit *m_name;
    QPlainTextEdit *m_text;
    QLabel *m_counts;
    QListWidget *m_rejected;
    QSpinBox *m_concurrency;
    QSpinBox *m_perHost;
    QSpinBox *m_limitRate;
    QDoubleSpinBox *m_timeout;
    QDoubleSpinBox *m_idleTimeout;
    QSpinBox *m_retries;
    QLineEdit *m_outputDir;
    QCheckBox *m_overwrite;
    QDialogButtonBox *m_buttons;
    QTimer *m_debounce;
    QFutureWatcher<UrlList> m_validation;
    UrlList m_parsed;
    BatchSettings m_defaults; // what the dialog does not show comes from these
};

} // namespace loopscope
