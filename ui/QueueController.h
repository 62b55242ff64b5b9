#pragma once

#include "BatchRecord.h"
#include "UrlList.h"

#include <QObject>
#include <QCoroTask>

class QMimeData;
class QWidget;

namespace loopscope {

class BatchLauncher;

// Turns what the user hands the window into batches on the engine: typed or pasted text,
// dropped URLs and files, imported URL lists, the Add URLs dialog. Every path validates the
// same way and says on the status bar what was queued and what was rejected.
class QueueController : public QObject {
    Q_OBJECT
public:
    // window: the parent of the dialogs this asks with.
    QueueController(BatchLauncher &launcher, QWidget *window);

    // Each file becomes a batch named after it (parsed off the GUI thread).
    void importFiles(const QStringList &paths);
    void queueText(const QString &text, const QString &batchName);
    // retryOf, when given, names the task each URL retries.
    void queueUrls(const UrlList &urls, const QString &batchName, const BatchSettings &settings,
                   const QList<TaskId> &retryOf = {});

    void addUrls();    // the Add URLs dialog
    void importDialog();
    void pasteUrls();  // from the clipboard
    void queueDropped(const QMimeData &data);

Q_SIGNALS:
    void statusMessage(const QString &text, int timeoutMs);

private:
    void queueMimeData(const QMimeData &data, const QString &batchName);
    QCoro::Task<> launch(QString batchName, QList<QByteArray> urls, BatchSettings settings, QList<TaskId> retryOf);
    QString nextBatchName(const QString &stem);

    BatchLauncher &m_launcher;
    QWidget *m_window;
    int m_batchCounter = 0;
};

} // namespace loopscope
