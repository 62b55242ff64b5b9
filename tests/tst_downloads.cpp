// Bodies saved to disk: byte-exact, named safely from the response or the URL, always inside
// the output folder, never overwriting unless asked, and leaving nothing behind when a download
// fails or is cancelled. The engine runs against the in-process server; assertions are about
// files, names, states and kinds, never wall-clock budgets.
#include "CancelToken.h"
#include "CurlMulti.h"
#include "DiskLoop.h"
#include "DiskWriter.h"
#include "Engine.h"
#include "FileNames.h"
#include "HttpFetch.h"
#include "TaskRow.h"
#include "support/BatchWaits.h"
#include "support/TestHttpServer.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
BatchSettings savingTo(const QString &folder, bool overwrite = false)
{
    BatchSettings settings;
    settings.retries = 0;
    settings.outputDir = folder;
    settings.overwrite = overwrite;
    return settings;
}

// Runs the URLs as one batch and returns their final records, in order; unwrap with ASSIGN_OR_FAIL.
Result<QList<TaskRecord>> fetchAll(Engine &engine, const QList<QUrl> &urls, const BatchSettings &settings)
{
    return gatheredBatch(engine, u"downloads"_s, urls, settings, 120'000);
}

Result<TaskRecord> fetchOne(Engine &engine, const QUrl &url, const BatchSettings &settings)
{
    return gatheredTask(engine, u"downloads"_s, url, settings, 120'000);
}

Result<TaskRecord> fetchOne(const QUrl &url, const BatchSettings &settings)
{
    Engine engine;
    return fetchOne(engine, url, settings);
}

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    return file.open(QIODevice::ReadOnly) && hash.addData(&file) ? hash.result() : QByteArray();
}

QByteArray servedHash(quint64 seed, qint64 size)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (qint64 offset = 0; offset < size; offset += 1024 * 1024)
        hash.addData(TestHttpServer::randomBytes(seed, offset, std::min<qint64>(1024 * 1024, size - offset)));
    return hash.result();
}

// Every entry below root, hidden ones included, relative to it.
QStringList everything(const QString &root)
{
    QStringList found;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext())
        found << QDir(root).relativeFilePath(it.next());
    found.sort();
    return found;
}

QString describe(const TaskRecord &task)
{
    return u"%1 %2 [%3] %4"_s.arg(stateName(task.state), errorKindName(task.errorKind)).arg(task.httpStatus).arg(task.error);
}
} // namespace

class TestDownloads : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fileNames_data()
    {
        QTest::addColumn<QByteArray>("disposition");
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("expected");
        const QString plain = u"http://example.org/files/report.pdf"_s;
        QTest::newRow("from the URL") << QByteArray() << plain << u"report.pdf"_s;
        QTest::newRow("percent-decoded") << QByteArray() << u"http://example.org/a%20b%C3%A9.txt?x=1"_s << u"a bé.txt"_s;
        QTest::newRow("no path") << QByteArray() << u"http://example.org"_s << u"index.html"_s;
        QTest::newRow("folder") << QByteArray() << u"http://example.org/dir/"_s << u"index.html"_s;
        QTest::newRow("quoted") << QByteArray("attachment; filename=\"q \\\"x\\\".bin\"") << plain << u"q _x_.bin"_s;
        QTest::newRow("token") << QByteArray("attachment; filename=data.csv") << plain << u"data.csv"_s;
        QTest::newRow("extended preferred") << QByteArray("attachment; filename=\"rates.txt\"; filename*=UTF-8''%e2%82%ac%20rates.txt")
                                            << plain << u"€ rates.txt"_s;
        QTest::newRow("extended first") << QByteArray("attachment; filename*=utf-8'en'%C3%A9t%C3%A9.txt; filename=\"ete.txt\"") << plain
                                        << u"été.txt"_s;
        QTest::newRow("latin-1") << QByteArray("attachment; filename*=ISO-8859-1''%E9t%E9.txt") << plain << u"été.txt"_s;
        QTest::newRow("no filename") << QByteArray("inline") << plain << u"report.pdf"_s;
        QTest::newRow("traversal") << QByteArray("attachment; filename=\"../../x\"") << plain << u"x"_s;
        QTest::newRow("absolute") << QByteArray("attachment; filename=\"/etc/passwd\"") << plain << u"passwd"_s;
        QTest::newRow("dot dot") << QByteArray("attachment; filename=\"..\"") << plain << u"report.pdf"_s;
        QTest::newRow("dot") << QByteArray("attachment; filename=\".\"") << plain << u"report.pdf"_s;
        QTest::newRow("hidden") << QByteArray("attachment; filename=\".hidden\"") << plain << u"hidden"_s;
        QTest::newRow("hidden behind dots and spaces") << QByteArray("inline; filename=\". . .bashrc\"") << plain << u"bashrc"_s;
        QTest::newRow("dot dot behind a space") << QByteArray("attachment; filename=\". ..\"") << plain << u"report.pdf"_s;
        QTest::newRow("hidden, extended") << QByteArray("attachment; filename*=UTF-8''%20.%20.profile") << plain << u"profile"_s;
        QTest::newRow("backslash") << QByteArray("attachment; filename=\"a/b\\\\c\"") << plain << u"c"_s;
        QTest::newRow("windows path") << QByteArray("attachment; filename=\"C:\\\\Windows\\\\evil.dll\"") << plain << u"evil.dll"_s;
        QTest::newRow("control characters") << QByteArray("attachment; filename*=UTF-8''a%0Ab%09c%7F%1B.txt") << plain << u"abc.txt"_s;
        QTest::newRow("right-to-left override") << QByteArray("attachment; filename*=UTF-8''evil%E2%80%AEtxt.exe") << plain << u"eviltxt.exe"_s;
        QTest::newRow("unsafe characters") << QByteArray("attachment; filename=\"a<b>c:d|e?f*.txt\"") << plain << u"a_b_c_d_e_f_.txt"_s;
        QTest::newRow("traversal in the URL") << QByteArray() << u"http://example.org/..%2F..%2Fx"_s << u"x"_s;
        QTest::newRow("dot dot in the URL") << QByteArray() << u"http://example.org/a/%2E%2E"_s << u"index.html"_s;
    }

    void fileNames()
    {
        QFETCH(QByteArray, disposition);
        QFETCH(QString, url);
        QFETCH(QString, expected);
        QCOMPARE(downloadFileName(disposition, QUrl(url)), expected);
    }

    void longNamesKeepTheirExtension()
    {
        const QString name = safeFileName(QString(300, u'é') + u".tar.gz"_s);
        QVERIFY(name.toUtf8().size() <= MaxFileNameBytes);
        QVERIFY(name.endsWith(u"é.gz"_s));
        const QString numbered = numberedFileName(name, 12);
        QVERIFY(numbered.toUtf8().size() <= MaxFileNameBytes);
        QVERIFY(numbered.endsWith(u" (12).gz"_s));
        QCOMPARE(numberedFileName(u"report.pdf"_s, 1), u"report (1).pdf"_s);
        QCOMPARE(numberedFileName(u"README"_s, 2), u"README (2)"_s);
    }

    void bodiesAreSavedByteExact_data()
    {
        QTest::addColumn<int>("size");
        QTest::newRow("empty") << 0;
        QTest::newRow("small") << 1000;
        QTest::newRow("24 MiB") << 24 * 1024 * 1024;
    }

    void bodiesAreSavedByteExact()
    {
        QFETCH(int, size);
        TestHttpServer server;
        QTemporaryDir dir;
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/random/%1/7/body.bin"_s.arg(size)), savingTo(dir.path())));
        QVERIFY2(task.state == TaskState::Succeeded, qPrintable(describe(task)));
        QCOMPARE(task.savedPath, dir.filePath(u"body.bin"_s));
        QCOMPARE(task.bytesReceived, qint64(size));
        QCOMPARE(QFileInfo(task.savedPath).size(), qint64(size));
        QCOMPARE(fileHash(task.savedPath), servedHash(7, size));
        QCOMPARE(everything(dir.path()), QStringList{u"body.bin"_s}); // no part file left
        QCOMPARE(TaskRow::from(task).toJson()[u"file"].toString(), task.savedPath);
    }

    void readingPausesWhileTheDiskLags()
    {
        TestHttpServer server;
        QTemporaryDir dir;
        CurlMulti multi;
        DiskLoop disk;
        QSemaphore diskStalled;
        bool stalled = true;
        disk.loop().post([&diskStalled] { diskStalled.acquire(); }); // the disk writes nothing until released
        const auto unstall = qScopeGuard([&] {
            if (std::exchange(stalled, false))
                diskStalled.release();
        });
        DiskWriter writer(disk, dir.path(), false, 1, QUrl(u"http://127.0.0.1/"_s));
        CancelToken token;
        qint64 mostReadWhileStalled = 0;
        constexpr int Size = 40 * 1024 * 1024;
        FetchRequest request;
        request.url = server.url(u"/random/%1/5/big.bin"_s.arg(Size));
        request.timeoutMs = 0;
        request.idleTimeoutMs = 0;
        request.onProgress = [&](qint64 received, qint64) {
            if (stalled)
                mostReadWhileStalled = std::max(mostReadWhileStalled, received);
        };
        request.body = &writer;
        std::optional<FetchOutcome> outcome;
        const auto download = [&]() -> QCoro::Task<> { outcome = co_await fetchOnce(multi, request, token); };
        download();
        QTRY_VERIFY_WITH_TIMEOUT(writer.unwritten() >= DiskWriter::MaxUnwritten, 60'000);
        // An observation window, not a synchronisation: however long the disk stalls, the
        // fetch reads no further than the bound.
        QTest::qWait(300);
        QVERIFY2(mostReadWhileStalled <= DiskWriter::MaxUnwritten + 1024 * 1024, qPrintable(QString::number(mostReadWhileStalled)));
        QVERIFY(!outcome);
        stalled = false;
        diskStalled.release();
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 120'000);
        QCOMPARE(outcome->kind, ErrorKind::None);
        QCOMPARE(outcome->savedPath, dir.filePath(u"big.bin"_s));
        QCOMPARE(fileHash(outcome->savedPath), servedHash(5, Size));
    }

    void withoutAFolderNothingIsSaved()
    {
        TestHttpServer server;
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/random/1000/7/body.bin"_s), savingTo({})));
        QCOMPARE(task.state, TaskState::Succeeded);
        QVERIFY(task.savedPath.isEmpty());
        QVERIFY(TaskRow::from(task).toJson()[u"file"].isNull());
    }

    void contentDispositionNamesTheFile()
    {
        TestHttpServer server;
        QTemporaryDir dir;
        const QString disposition = u"attachment; filename=\"plain.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt"_s;
        const QUrl url = server.url(u"/named?n=4096&cd="_s + QString::fromLatin1(QUrl::toPercentEncoding(disposition)));
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(url, savingTo(dir.path())));
        QVERIFY2(task.state == TaskState::Succeeded, qPrintable(describe(task)));
        QCOMPARE(task.savedPath, dir.filePath(u"€ rates.txt"_s));
        QCOMPARE(fileHash(task.savedPath), servedHash(1, 4096));
    }

    void namesThatReachOutsideLandInside_data()
    {
        QTest::addColumn<QString>("disposition");
        QTest::addColumn<QString>("expected");
        QTest::newRow("../../x") << u"attachment; filename=\"../../x\""_s << u"x"_s;
        QTest::newRow("/etc/passwd") << u"attachment; filename=\"/etc/passwd\""_s << u"passwd"_s;
        QTest::newRow("..") << u"attachment; filename=\"..\""_s << u"named"_s;
        QTest::newRow(".hidden") << u"attachment; filename=\".hidden\""_s << u"hidden"_s;
        QTest::newRow("a/b\\c") << u"attachment; filename=\"a/b\\\\c\""_s << u"c"_s;
        QTest::newRow("control characters") << u"attachment; filename*=UTF-8''..%2F%0A%0Dx%09y"_s << u"xy"_s;
        QTest::newRow("encoded traversal") << u"attachment; filename*=UTF-8''..%2F..%2F..%2Ftmp%2Fz"_s << u"z"_s;
    }

    void namesThatReachOutsideLandInside()
    {
        QFETCH(QString, disposition);
        QFETCH(QString, expected);
        TestHttpServer server;
        QTemporaryDir sandbox;
        const QString folder = sandbox.filePath(u"a/b"_s); // created by the download
        ASSIGN_OR_FAIL(const TaskRecord task,
                       fetchOne(server.url(u"/named?n=100&cd="_s + QString::fromLatin1(QUrl::toPercentEncoding(disposition))), savingTo(folder)));
        QVERIFY2(task.state == TaskState::Succeeded, qPrintable(describe(task)));
        QCOMPARE(QFileInfo(task.savedPath).canonicalPath(), QFileInfo(folder).canonicalFilePath());
        QCOMPARE(QFileInfo(task.savedPath).fileName(), expected);
        // Nothing anywhere else in the sandbox.
        QCOMPARE(everything(sandbox.path()), (QStringList{u"a"_s, u"a/b"_s, u"a/b/"_s + expected}));
    }

    void anExistingFileIsKeptUnlessOverwriteIsAsked()
    {
        TestHttpServer server;
        QTemporaryDir dir;
        QFile existing(dir.filePath(u"body.bin"_s));
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("mine");
        existing.close();

        const QUrl url = server.url(u"/random/5000/3/body.bin"_s);
        ASSIGN_OR_FAIL(const TaskRecord kept, fetchOne(url, savingTo(dir.path())));
        QVERIFY2(kept.state == TaskState::Succeeded, qPrintable(describe(kept)));
        QCOMPARE(kept.savedPath, dir.filePath(u"body (1).bin"_s));
        QCOMPARE(fileHash(kept.savedPath), servedHash(3, 5000));
        QVERIFY(existing.open(QIODevice::ReadOnly));
        QCOMPARE(existing.readAll(), QByteArray("mine"));
        existing.close();

        ASSIGN_OR_FAIL(const TaskRecord replaced, fetchOne(url, savingTo(dir.path(), true)));
        QVERIFY2(replaced.state == TaskState::Succeeded, qPrintable(describe(replaced)));
        QCOMPARE(replaced.savedPath, dir.filePath(u"body.bin"_s));
        QCOMPARE(fileHash(replaced.savedPath), servedHash(3, 5000));
        QCOMPARE(everything(dir.path()), (QStringList{u"body (1).bin"_s, u"body.bin"_s}));
    }

    // As when a process died after saving a body but before recording it, and its resume
    // fetched the body again: a second copy would belong to no task.
    void aBodyAlreadySavedUnderItsNameIsKeptOnce()
    {
        TestHttpServer server;
        QTemporaryDir dir;
        const QUrl url = server.url(u"/random/5000/3/body.bin"_s);
        ASSIGN_OR_FAIL(const TaskRecord first, fetchOne(url, savingTo(dir.path())));
        ASSIGN_OR_FAIL(const TaskRecord again, fetchOne(url, savingTo(dir.path())));
        QVERIFY2(again.state == TaskState::Succeeded, qPrintable(describe(again)));
        QCOMPARE(again.savedPath, first.savedPath);
        QCOMPARE(everything(dir.path()), QStringList{u"body.bin"_s});
        // Other bytes under that name are another file.
        ASSIGN_OR_FAIL(const TaskRecord other, fetchOne(server.url(u"/random/5000/4/body.bin"_s), savingTo(dir.path())));
        QCOMPARE(other.savedPath, dir.filePath(u"body (1).bin"_s));
        QCOMPARE(fileHash(other.savedPath), servedHash(4, 5000));
    }

    void tasksOfOneRunNeverShareAFile_data()
    {
        QTest::addColumn<bool>("overwrite");
        QTest::newRow("keeping") << false;
        QTest::newRow("overwriting") << true; // replaces older files, never a sibling's
    }

    void tasksOfOneRunNeverShareAFile()
    {
        QFETCH(bool, overwrite);
        TestHttpServer server;
        QTemporaryDir dir;
        Engine engine;
        ASSIGN_OR_FAIL(const QList<TaskRecord> tasks,
                       fetchAll(engine,
                                {server.url(u"/random/3000/1/same.bin"_s), server.url(u"/random/3000/2/same.bin"_s),
                                 server.url(u"/random/3000/3/same.bin"_s)},
                                savingTo(dir.path(), overwrite)));
        QCOMPARE(tasks.size(), 3);
        QSet<QString> paths;
        for (int i = 0; i < 3; ++i) {
            QVERIFY2(tasks[i].state == TaskState::Succeeded, qPrintable(describe(tasks[i])));
            paths.insert(tasks[i].savedPath);
            QCOMPARE(fileHash(tasks[i].savedPath), servedHash(quint64(i + 1), 3000));
        }
        QCOMPARE(paths.size(), 3);
        QCOMPARE(everything(dir.path()), (QStringList{u"same (1).bin"_s, u"same (2).bin"_s, u"same.bin"_s}));
    }

    void aFailureMidBodyLeavesNothing()
    {
        TestHttpServer server;
        QTemporaryDir dir;
        BatchSettings settings = savingTo(dir.path());
        settings.retries = 1; // each attempt removes its own part file
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/reset-after/100000"_s), settings));
        QVERIFY2(task.state == TaskState::Failed && task.errorKind == ErrorKind::ConnectionReset, qPrintable(describe(task)));
        QCOMPARE(task.attempts, 2);
        QVERIFY(task.savedPath.isEmpty());
        QCOMPARE(everything(dir.path()), QStringList());
    }

    void anErrorStatusIsNotSaved()
    {
        TestHttpServer server;
        QTemporaryDir dir;
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/status/404"_s), savingTo(dir.path())));
        QCOMPARE(task.errorKind, ErrorKind::Http);
        QCOMPARE(everything(dir.path()), QStringList());
    }

    void aCancelMidDownloadLeavesNothing()
    {
        TestHttpServer server;
        QTemporaryDir dir;
        Engine engine;
        bool cancelled = false;
        // Once bytes have arrived, the part file exists: cancel then.
        connect(&engine, &Engine::updated, this, [&](const EngineUpdate &update) {
            for (const TaskRecord &task : update.tasks) {
                if (task.bytesReceived > 0 && !cancelled) {
                    cancelled = true;
                    engine.cancelTask(task.id);
                }
            }
        });
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(engine, server.url(u"/drip/100000/20"_s), savingTo(dir.path())));
        QVERIFY(cancelled);
        QVERIFY2(task.state == TaskState::Cancelled, qPrintable(describe(task)));
        QVERIFY(task.bytesReceived > 0);
        QVERIFY(task.savedPath.isEmpty());
        QCOMPARE(everything(dir.path()), QStringList());
    }

    void anUnusableFolderFailsTheTask()
    {
        TestHttpServer server;
        QTemporaryDir dir;
        QFile blocker(dir.filePath(u"file"_s));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        const QString folder = dir.filePath(u"file/sub"_s); // below a file: it can never be made
        ASSIGN_OR_FAIL(const TaskRecord task, fetchOne(server.url(u"/random/100000/1/x.bin"_s), savingTo(folder)));
        QVERIFY2(task.state == TaskState::Failed && task.errorKind == ErrorKind::Disk, qPrintable(describe(task)));
        QCOMPARE(task.error, u"cannot create the folder "_s + folder);
        QCOMPARE(errorKindName(task.errorKind), u"disk"_s);
        QCOMPARE(everything(dir.path()), QStringList{u"file"_s});
    }
};

QTEST_GUILESS_MAIN(TestDownloads)
#include "tst_downloads.moc"
