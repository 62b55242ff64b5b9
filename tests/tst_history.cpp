// The history database: batches written before they run, every change of their tasks,
// ownership by live processes, taking over what a dead one left, and schema migration.
#include "Engine.h"
#include "History.h"
#include "HistoryDatabase.h"
#include "support/TestHttpServer.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace loopscope;

namespace {
QList<QUrl> urls(int count)
{
    QList<QUrl> list;
    for (int i = 0; i < count; ++i)
        list << QUrl(QStringLiteral("http://127.0.0.1:9/%1").arg(i));
    return list;
}

// A self-signed certificate, as a batch's extra trusted CA.
QByteArray pemCertificate()
{
    return QByteArrayLiteral(
           "-----BEGIN CERTIFICATE-----\n"
           "MIIBmTCCAT+gAwIBAgIUTKH6q6lWmQpx4BRdTcCpekgLyu8wCgYIKoZIzj0EAwIw\n"
           "ITEfMB0GA1UEAwwWTG9vcHNjb3BlIGhpc3RvcnkgdGVzdDAgFw0yNjExMjUxMjI1\n"
           "MzBaGA8yMTI2MTEwMTEyMjUzMFowITEfMB0GA1UEAwwWTG9vcHNjb3BlIGhpc3Rv\n"
           "cnkgdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBTRPypadZeGs3KzBxiD\n"
           "aYvsLaf7W+jRDRyNn8UNjcO3JHyXkv0SavkusS0W68tlJE1cu1BtScrcwgdUcoOM\n"
           "G1CjUzBRMB0GA1UdDgQWBBRGpBPPe0MlzS9PM4TjxC1c4ON3ZzAfBgNVHSMEGDAW\n"
           "gBRGpBPPe0MlzS9PM4TjxC1c4ON3ZzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49\n"
           "BAMCA0gAMEUCIQCgEW2Fd/mj+rxGHChudfIRCj7PPxVhE3WXXmvJs4DhUAIgCZaM\n"
           "ax5DsFlmnuwSK+4Xsnb2jwNExVF5IgmnwSC2gWA=\n"
           "-----END CERTIFICATE-----\n");
}

QList<TaskRow> rowsOf(HistoryDatabase &db, BatchId batch = 0)
{
    QList<TaskRow> rows;
    db.forEachTask(batch, [&rows](const TaskRow &row) { rows.append(row); });
    return rows;
}

TaskRecord ended(TaskId id, BatchId batch, TaskState state, int status = 200)
{
    TaskRecord task;
    task.id = id;
    task.batch = batch;
    task.url = QUrl(u"http://127.0.0.1:9/x"_qs);
    task.state = state;
    task.httpStatus = status;
    task.attempts = 1;
    task.worker = u"Worker 1"_qs;
    task.queuedAt = 0;
    task.startedAt = 10;
    task.finishedAt = 30;
    return task;
}
} // namespace

class TestHistory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void batchesAreWrittenBeforeTheyRunAndChangesAfter()
    {
        QTemporaryDir dir;
        QString error;
        auto db = HistoryDatabase::open(dir.filePath(u"h.sqlite"_qs), &error);
        QVERIFY2(db, qPrintable(error));
        const auto plan = db->createBatch(u"first"_qs, urls(3), BatchSettings{4, 2, 5'000, 1}, {}, &error);
        QVERIFY2(plan, qPrintable(error));
        QCOMPARE(plan->urls.size(), 3);
        QCOMPARE(plan->taskIds.size(), 3);
        QCOMPARE(plan->taskIds[2], plan->taskIds[0] + 2); // consecutive
        QList<TaskRow> rows = rowsOf(*db, plan->id);
        QCOMPARE(rows.size(), 3);
        for (const TaskRow &row : rows)
            QCOMPARE(row.state, u"queued"_qs);

        EngineUpdate update;
        update.tasks << ended(plan->taskIds[0], plan->id, TaskState::Succeeded)
                     << ended(plan->taskIds[1], plan->id, TaskState::Failed, 503)
                     << ended(999, 999, TaskState::Succeeded); // not this process's batch: ignored
        QVERIFY(db->record(update));
        rows = rowsOf(*db, plan->id);
        QCOMPARE(rows[0].state, u"succeeded"_qs);
        QCOMPARE(rows[0].runMs, 20);
        QCOMPARE(rows[0].worker, u"Worker 1"_qs);
        QCOMPARE(rows[1].state, u"failed"_qs);
        QCOMPARE(rows[1].httpStatus, 503);
        QCOMPARE(rows[2].state, u"queued"_qs);
        QCOMPARE(rowsOf(*db).size(), 3);

        const auto summary = db->batch(plan->id);
        QVERIFY(summary);
        QCOMPARE(summary->name, u"first"_qs);
        QCOMPARE(summary->total, 3);
        QCOMPARE(summary->succeeded, 1);
        QCOMPARE(summary->failed, 1);
        QCOMPARE(summary->unfinished, 1);
        QCOMPARE(summary->settings.concurrency, 4);
        QCOMPARE(summary->settings.retries, 1);
    }

    void theEngineRecordsThroughTheHistoryThread()
    {
        QTemporaryDir dir;
        TestHttpServer server;
        const QString path = dir.filePath(u"h.sqlite"_qs);
        QJsonObject live;
        {
            QString error;
            std::unique_ptr<History> history = History::open(path, &error);
            QVERIFY2(history, qPrintable(error));
            Engine engine;
            history->follow(engine);
            BatchSettings settings;
            settings.retries = 2;
            settings.caCertificates = QSslCertificate::fromData(pemCertificate());
            settings.idleTimeoutMs = 7'000;
            settings.maxBytes = 1'000'000;
            QFuture<History::Created> created = history->createBatch(u"live"_qs, {server.url(u"/ok"_qs), server.url(u"/status/500"_qs)},
                                                                     settings);
            QTRY_VERIFY(created.isFinished());
            QVERIFY2(created.result().plan, qPrintable(created.result().error));
            const BatchId id = engine.addBatch(*created.result().plan);
            QFuture<BatchRecord> done = engine.whenBatchFinished(id);
            QFuture<QList<TaskRecord>> tasks = engine.gather(id);
            QTRY_VERIFY(done.isFinished());
            QTRY_VERIFY(tasks.isFinished());
            live = TaskRow::from(tasks.result().first()).toJson();
            engine.shutdown();
        } // the history closes after writing what the engine sent
        QString error;
        auto db = HistoryDatabase::open(path, &error);
        QVERIFY2(db, qPrintable(error));
        const QList<TaskRow> rows = rowsOf(*db);
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0].state, u"succeeded"_qs);
        QCOMPARE(rows[1].state, u"failed"_qs);
        QCOMPARE(rows[1].httpStatus, 500);
        QCOMPARE(rows[0].toJson(), live); // export and --jsonl write the same record
        // Every attempt has its row: the 500 was tried three times.
        const QList<AttemptRecord> attempts = db->attempts(rows[1].id);
        QCOMPARE(attempts.size(), 3);
        for (const AttemptRecord &attempt : attempts) {
            QCOMPARE(attempt.httpStatus, 500);
            QCOMPARE(attempt.errorKind, ErrorKind::Http);
        }
        QCOMPARE(db->attempts(rows[0].id).size(), 1);
        QVERIFY(db->orphaned().isEmpty()); // it ended cleanly: nothing to resume
        // The batch's settings, all of them, for a resume to run it the same way.
        const BatchSettings kept = db->batch(rows[0].batch)->settings;
        QCOMPARE(kept.retries, 2);
        QCOMPARE(kept.idleTimeoutMs, 7'000);
        QCOMPARE(kept.maxBytes, 1'000'000);
        QCOMPARE(kept.caCertificates, QSslCertificate::fromData(pemCertificate()));
    }

    void batchesOfAGoneProcessAreTakenOverOnce()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_qs);
        QString error;
        auto gone = HistoryDatabase::open(path, &error);
        QVERIFY2(gone, qPrintable(error));
        const auto plan = gone->createBatch(u"interrupted"_qs, urls(4), BatchSettings{}, {}, &error);
        QVERIFY(plan);
        EngineUpdate update;
        update.tasks << ended(plan->taskIds[0], plan->id, TaskState::Succeeded);
        TaskRecord running = ended(plan->taskIds[1], plan->id, TaskState::Running, 0);
        running.finishedAt = -1;
        update.tasks << running;
        QVERIFY(gone->record(update));

        auto survivor = HistoryDatabase::open(path, &error);
        QVERIFY2(survivor, qPrintable(error));
        QVERIFY(survivor->orphaned().isEmpty()); // its owner still runs
        QVERIFY(survivor->claim({plan->id}).isEmpty());
        gone.reset(); // the owner ends without finishing its batch

        const QList<HistoryBatch> orphans = survivor->orphaned();
        QCOMPARE(orphans.size(), 1);
        QCOMPARE(orphans.first().unfinished, 3);
        const QList<BatchPlan> taken = survivor->claim({plan->id});
        QCOMPARE(taken.size(), 1);
        QCOMPARE(taken.first().id, plan->id);
        QCOMPARE(taken.first().name, u"interrupted"_qs);
        // The running task and the two queued ones, under their ids; the finished one never again.
        QCOMPARE(taken.first().taskIds, (QList<TaskId>{plan->taskIds[1], plan->taskIds[2], plan->taskIds[3]}));
        QCOMPARE(rowsOf(*survivor, plan->id)[1].state, u"queued"_qs);

        auto third = HistoryDatabase::open(path, &error);
        QVERIFY(third->orphaned().isEmpty()); // the survivor owns it now
        QVERIFY(third->claim({plan->id}).isEmpty());
    }

    void discardedBatchesEndCancelled()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"h.sqlite"_qs);
        QString error;
        auto gone = HistoryDatabase::open(path, &error);
        const auto plan = gone->createBatch(u"dropped"_qs, urls(2), BatchSettings{}, {}, &error);
        QVERIFY(plan);
        gone.reset();
        auto survivor = HistoryDatabase::open(path, &error);
        survivor->discard({plan->id});
        for (const TaskRow &row : rowsOf(*survivor, plan->id)) {
            QCOMPARE(row.state, u"cancelled"_qs);
            QCOMPARE(row.cancelReason, u"not resumed"_qs);
            QVERIFY(row.finishedAt > 0);
        }
        QVERIFY(survivor->orphaned().isEmpty());
    }

    void retriesAreLinkedToWhatTheyRetry()
    {
        QTemporaryDir dir;
        QString error;
        auto db = HistoryDatabase::open(dir.filePath(u"h.sqlite"_qs), &error);
        const auto original = db->createBatch(u"original"_qs, urls(2), BatchSettings{}, {}, &error);
        const auto retry = db->createBatch(u"retry"_qs, {urls(2)[1]}, BatchSettings{}, {original->taskIds[1]}, &error);
        QVERIFY(retry);
        QCOMPARE(rowsOf(*db, retry->id).first().retryOf, original->taskIds[1]);
        QCOMPARE(db->batch(retry->id)->retryOf, original->id);
        QCOMPARE(rowsOf(*db, original->id).first().retryOf, TaskId(0));
    }

    void anOlderSchemaIsMigratedWithItsData()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"old.sqlite"_qs);
        {
            // A database as schema 1 left it.
            QSqlDatabase old = QSqlDatabase::addDatabase(u"QSQLITE"_qs, u"old"_qs);
            old.setDatabaseName(path);
            QVERIFY(old.open());
            QSqlQuery query(old);
            for (const char *statement : {
                     "CREATE TABLE batches (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created_at INTEGER NOT NULL,"
                     " settings TEXT NOT NULL, owner TEXT NOT NULL)",
                     "CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, batch_id INTEGER NOT NULL REFERENCES batches(id),"
                     " url TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'queued', worker TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
                     " http_status INTEGER, bytes INTEGER NOT NULL DEFAULT 0, final_url TEXT, error TEXT, cancel_reason TEXT,"
                     " queued_at INTEGER, started_at INTEGER, finished_at INTEGER, queued_ms INTEGER NOT NULL DEFAULT 0,"
                     " run_ms INTEGER NOT NULL DEFAULT 0)",
                     "CREATE INDEX tasks_by_batch ON tasks(batch_id, id)",
                     "INSERT INTO batches VALUES (1, 'kept', 1700000000000, '{\"concurrency\":3}', 'gone')",
                     "INSERT INTO tasks (batch_id, url, state, http_status) VALUES (1, 'http://example.org/', 'succeeded', 200)",
                     "PRAGMA user_version=1"}) {
                QVERIFY2(query.exec(QString::fromLatin1(statement)), qPrintable(query.lastError().text()));
            }
            old.close();
        }
        QSqlDatabase::removeDatabase(u"old"_qs);
        QString error;
        auto db = HistoryDatabase::open(path, &error);
        QVERIFY2(db, qPrintable(error));
        const QList<TaskRow> rows = rowsOf(*db);
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().url, u"http://example.org/"_qs);
        QCOMPARE(rows.first().httpStatus, 200);
        QVERIFY(rows.first().errorKind.isEmpty());
        QCOMPARE(db->batch(1)->settings.concurrency, 3);
        // And the new schema works on it.
        QVERIFY(db->createBatch(u"new"_qs, urls(1), BatchSettings{}, {rows.first().id}, &error));
    }

    void theWindowAndTheCommandsShareOneHistory()
    {
        const QString commands = History::defaultPath();
        QCoreApplication::setOrganizationName(u"loopscope"_qs); // as the window does
        QCOMPARE(History::defaultPath(), commands);
        QCoreApplication::setOrganizationName({});
        QVERIFY(commands.endsWith(u"/loopscope/history.sqlite"_qs));
    }

    void unusableFilesAreNamed()
    {
        QTemporaryDir dir;
        QString error;
        QVERIFY(!HistoryDatabase::open(u"/proc/loopscope/h.sqlite"_qs, &error));
        QVERIFY2(error.startsWith(u"history database /proc/loopscope/h.sqlite: "_qs), qPrintable(error));

        const QString newer = dir.filePath(u"newer.sqlite"_qs);
        {
            QSqlDatabase future = QSqlDatabase::addDatabase(u"QSQLITE"_qs, u"future"_qs);
            future.setDatabaseName(newer);
            QVERIFY(future.open());
            QSqlQuery(future).exec(u"PRAGMA user_version=99"_qs);
            future.close();
        }
        QSqlDatabase::removeDatabase(u"future"_qs);
        QVERIFY(!HistoryDatabase::open(newer, &error));
        QVERIFY2(error.contains(u"written by a newer Loopscope"_qs), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
