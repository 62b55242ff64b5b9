#include "QueueController.h"

#include "AddUrlsDialog.h"
#include "BatchDefaults.h"
#include "BatchLauncher.h"
#include "Format.h"
#include "UrlImport.h"

#include <QClipboard>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGuiApplication>
#include <QMimeData>
#include <QPointer>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
// Runs then() on the GUI thread once a background parse is done.
template<typename Then>
void whenParsed(QObject *context, const QFuture<UrlList> &future, Then then)
{
    auto *watcher = new QFutureWatcher<UrlList>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, then] {
        then(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(future);
}
} // namespace

QueueController::QueueController(BatchLauncher &launcher, QWidget *window)
    : QObject(window)
    , m_launcher(launcher)
    , m_window(window)
{
}

void QueueController::queueUrls(const UrlList &urls, const QString &batchName, const BatchSettings &settings,
                                const QList<TaskId> &retryOf)
{
    QString message;
    if (!urls.urls.isEmpty()) {
        launch(batchName, urls.urls, settings, retryOf);
        message = tr("Queued %1 as “%2”").arg(countOf(urls.urls.size(), tr("URL"), tr("URLs")), batchName);
    }
    if (!urls.rejected.isEmpty()) {
        const QString first = urls.rejected.first().toString();
        message += (message.isEmpty() ? QString() : u"; "_s)
                 + tr("%1 rejected, first: %2").arg(countOf(urls.rejectedCount, tr("line"), tr("lines")), first);
    }
    if (message.isEmpty())
        message = tr("No URLs found.");
    Q_EMIT statusMessage(message, 15'000);
}

QCoro::Task<> QueueController::launch(QString batchName, QList<QByteArray> urls, BatchSettings settings, QList<TaskId> retryOf)
{
    QPointer<QueueController> self(this);
    const Result<BatchLauncher::Launched> launched = co_await m_launcher.launch(batchName, urls, settings, retryOf);
    if (self && !launched)
        Q_EMIT statusMessage(tr("“%1” was not queued: %2").arg(batchName, launched.error()), 30'000);
}

void QueueController::queueText(const QString &text, const QString &batchName)
{
    const BatchSettings settings = BatchDefaults::load();
    whenParsed(this, parseUrlsInBackground(text, batchName),
               [this, batchName, settings](const UrlList &urls) { queueUrls(urls, batchName, settings); });
}

void QueueController::importFiles(const QStringList &paths)
{
    const BatchSettings settings = BatchDefaults::load();
    for (const QString &path : paths) {
        const QString name = QFileInfo(path).fileName();
        whenParsed(this, readUrlFileInBackground(path),
                   [this, name, settings](const UrlList &urls) { queueUrls(urls, name, settings); });
    }
}

void QueueController::addUrls()
{
    AddUrlsDialog dialog(nextBatchName(tr("Batch")), BatchDefaults::load(), m_window);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const BatchSettings settings = dialog.settings();
    BatchDefaults::save(settings);
    const QString name = dialog.batchName().isEmpty() ? nextBatchName(tr("Batch")) : dialog.batchName();
    queueUrls(dialog.urls(), name, settings);
}

void QueueController::importDialog()
{
    QSettings settings;
    const QStringList paths = QFileDialog::getOpenFileNames(m_window, tr("Import URL Lists"), settings.value(u"import/folder"_s).toString(),
                                                            tr("URL lists (*.txt *.list *.urls);;All files (*)"));
    if (paths.isEmpty())
        return;
    settings.setValue(u"import/folder"_s, QFileInfo(paths.first()).absolutePath());
    importFiles(paths);
}

void QueueController::pasteUrls()
{
    if (const QMimeData *data = QGuiApplication::clipboard()->mimeData())
        queueMimeData(*data, nextBatchName(tr("Pasted")));
}

void QueueController::queueDropped(const QMimeData &data)
{
    queueMimeData(data, nextBatchName(tr("Dropped")));
}

void QueueController::queueMimeData(const QMimeData &data, const QString &batchName)
{
    QStringList files;
    QStringList webUrls;
    for (const QUrl &url : data.urls()) {
        if (url.isLocalFile())
            files << url.toLocalFile();
        else
            webUrls << url.toString();
    }
    if (!files.isEmpty())
        importFiles(files);
    if (!webUrls.isEmpty())
        queueText(webUrls.join(u'\n'), batchName);
    else if (files.isEmpty() && data.hasText())
        queueText(data.text(), batchName);
}

QString QueueController::nextBatchName(const QString &stem)
{
    return tr("%1 %2").arg(stem).arg(++m_batchCounter);
}

} // namespace loopscope
