// Notifications as the window shows them, offscreen, against the aiosmtpd servers of the ctest
// fixture: the settings dialog and its real test send, the password kept out of the settings
// file and asked once per run when no keychain answers, the Notifications queue with its tasks
// cancelled and re-queued like any other, and the notice when a batch ends.
#include "BatchListModel.h"
#include "Engine.h"
#include "MainWindow.h"
#include "NotificationConfig.h"
#include "NotificationSettingsDialog.h"
#include "TaskTableModel.h"
#include "support/ModalDialogs.h"
#include "support/SmtpFixture.h"
#include "support/TestHttpServer.h"

#include <QAction>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTcpServer>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
struct Window {
    TestHttpServer server;
    Engine engine;
    MainWindow window{engine};

    Window()
    {
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
    }
    QTableView *view(const QString &name) { return window.findChild<QTableView *>(name); }
    QAbstractItemModel *tasks() { return view(u"taskView"_s)->model(); }
    QAbstractItemModel *batches() { return view(u"batchView"_s)->model(); }
    int notificationRow()
    {
        for (int row = 0; row < batches()->rowCount(); ++row) {
            if (batches()->index(row, BatchListModel::Name).data().toString() == u"Notifications")
                return row;
        }
        return -1;
    }
    int notificationCount(int column) { return batches()->index(notificationRow(), column).data().toInt(); }
    // The task rows of the Notifications queue, in id order.
    QList<int> notificationTaskRows()
    {
        QList<int> rows;
        for (int row = 0; row < tasks()->rowCount(); ++row) {
            if (tasks()->index(row, TaskTableModel::Url).data().toString().startsWith(u"mailto:"))
                rows << row;
        }
        return rows;
    }
    void selectTaskRow(int row)
    {
        QTableView *tasksView = view(u"taskView"_s);
        tasksView->setFocus();
        tasksView->selectionModel()->setCurrentIndex(tasks()->index(row, 0),
                                                     QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
};

QString settingsFileText()
{
    QSettings settings;
    settings.sync();
    QFile file(settings.fileName());
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}
} // namespace

class TestNotificationWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        // No keychain service may answer here, as on a machine without one: the window must
        // then ask for the password itself.
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"loopscope-notification-tests"_s);
        QVERIFY2(SmtpFixture::port(u"starttls_auth"_s) > 0, "the SMTP fixture is not running");
    }

    void init()
    {
        QSettings().clear();
    }

    void settingsDialogSendsATestAndEveryBatchIsSummarised()
    {
        Window w;
        const qsizetype before = SmtpFixture::delivered(u"starttls_auth"_s).size();
        const QUrl hook = w.server.url(u"/post-echo"_s);
        const auto webhookCalls = [&w] { return w.server.requestedPaths().count(u"/post-echo"_s); };
        QString outcome;
        onNextModal<NotificationSettingsDialog>([&, hook](NotificationSettingsDialog *dialog) {
            const auto set = [dialog](const QString &field, const QString &text) {
                dialog->findChild<QLineEdit *>(field)->setText(text);
            };
            set(u"smtpUrl"_s, SmtpFixture::url(u"starttls_auth"_s));
            set(u"user"_s, u"loopscope"_s);
            set(u"password"_s, u"secret"_s);
            set(u"sender"_s, u"Loopscope <loopscope@example.org>"_s);
            set(u"recipients"_s, u"ops@example.org, Two <two@example.org>"_s);
            set(u"caFile"_s, SmtpFixture::caFile());
            set(u"webhook"_s, hook.toString());
            auto *result = dialog->findChild<QLabel *>(u"testOutcome"_s);
            QTest::mouseClick(dialog->findChild<QPushButton *>(u"sendTest"_s), Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(result->text() != u"Sending…"_s && !result->text().isEmpty(), 30'000);
            outcome = result->text();
            dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        });
        w.window.findChild<QAction *>(u"notificationsAction"_s)->trigger();
        QCOMPARE(outcome, u"E-mail sent. Webhook answered HTTP 200."_s);
        QCOMPARE(SmtpFixture::delivered(u"starttls_auth"_s).size(), before + 1);
        QCOMPARE(webhookCalls(), 1);
        QVERIFY(SmtpFixture::lastDelivered(u"starttls_auth"_s).contains("Test from Loopscope"));
        // Everything but the password is remembered.
        const QString stored = settingsFileText();
        QVERIFY2(stored.contains(u"starttls_auth"_s) || stored.contains(SmtpFixture::url(u"starttls_auth"_s)), qPrintable(stored));
        QVERIFY(!stored.contains(u"secret"_s));
        QCOMPARE(NotificationConfig::load().user, u"loopscope"_s);
        // With no keychain to keep it, the window says the password lasts for this run.
        QTRY_VERIFY2(w.window.statusBar()->currentMessage().contains(u"the SMTP password is kept for this run only"_s),
                     qPrintable(w.window.statusBar()->currentMessage()));
        w.window.statusBar()->clearMessage(); // as its 15 seconds would

        // A batch ends: one e-mail and one webhook, from tasks of the Notifications queue, and a notice.
        w.window.queueText(w.server.url(u"/delay/1000"_s).toString() + u'\n' + w.server.url(u"/status/500"_s).toString(), u"nightly"_s);
        // The notice waits for a free status bar; the queuing message is cleared as its time would.
        QTRY_VERIFY(w.window.statusBar()->currentMessage().startsWith(u"Queued 2 URLs"_s));
        w.window.statusBar()->clearMessage();
        QTRY_VERIFY(w.notificationRow() >= 0);
        QTRY_COMPARE_WITH_TIMEOUT(w.notificationCount(BatchListModel::Succeeded), 2, 30'000);
        QCOMPARE(SmtpFixture::delivered(u"starttls_auth"_s).size(), before + 2);
        QCOMPARE(webhookCalls(), 2);
        QCOMPARE(QJsonDocument::fromJson(w.server.lastRequestBody()).object()[u"batch"].toString(), u"nightly"_s);
        const QByteArray mail = SmtpFixture::lastDelivered(u"starttls_auth"_s).replace("\r\n ", " ");
        QVERIFY(mail.contains("batch \"nightly\" finished: 1 succeeded, 1 failed, 0 cancelled"));
        const QList<int> rows = w.notificationTaskRows();
        QCOMPARE(rows.size(), 1); // the e-mail; the webhook task shows its own URL
        QCOMPARE(w.tasks()->index(rows.first(), TaskTableModel::State).data().toString(), u"succeeded"_s);
        // No tray here, so the notice goes to the status bar.
        QVERIFY2(w.window.statusBar()->currentMessage().startsWith(u"Batch “nightly” finished: 1 succeeded, 1 failed"_s),
                 qPrintable(w.window.statusBar()->currentMessage()));
    }

    void passwordIsAskedOncePerRunWithoutAKeychain()
    {
        NotificationConfig config;
        config.smtpUrl = SmtpFixture::url(u"starttls_auth"_s);
        config.user = u"loopscope"_s;
        config.sender = u"loopscope@example.org"_s;
        config.recipients = u"ops@example.org"_s;
        config.caFile = SmtpFixture::caFile();
        config.save();
        int asked = 0;
        onNextModal<QInputDialog>([&asked](QInputDialog *dialog) {
            ++asked;
            dialog->setTextValue(u"secret"_s);
            dialog->accept();
        });
        Window w;
        QTRY_COMPARE(asked, 1);
        const qsizetype before = SmtpFixture::delivered(u"starttls_auth"_s).size();
        w.window.queueText(w.server.url(u"/ok"_s).toString(), u"first"_s);
        QTRY_VERIFY(w.notificationRow() >= 0);
        QTRY_COMPARE_WITH_TIMEOUT(w.notificationCount(BatchListModel::Succeeded), 1, 30'000);
        w.window.queueText(w.server.url(u"/ok?2"_s).toString(), u"second"_s);
        QTRY_COMPARE_WITH_TIMEOUT(w.notificationCount(BatchListModel::Succeeded), 2, 30'000);
        QCOMPARE(SmtpFixture::delivered(u"starttls_auth"_s).size(), before + 2); // AUTH passed with it, twice
        QCOMPARE(asked, 1);
        QVERIFY(!settingsFileText().contains(u"secret"_s));
    }

    void notificationTasksAreCancelledAndRequeuedInTheWindow()
    {
        QTcpServer silent; // accepts and never greets: the e-mail task stays running
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        NotificationConfig config;
        config.smtpUrl = u"smtp://127.0.0.1:%1"_s.arg(silent.serverPort());
        config.sender = u"loopscope@example.org"_s;
        config.recipients = u"ops@example.org"_s;
        config.save();
        Window w;
        w.window.queueText(w.server.url(u"/ok"_s).toString(), u"quiet"_s);
        QTRY_VERIFY(w.notificationRow() >= 0);
        QTRY_COMPARE(w.notificationCount(BatchListModel::Running), 1);
        QTRY_COMPARE(w.notificationTaskRows().size(), 1);
        w.selectTaskRow(w.notificationTaskRows().first());
        QTest::keyClick(w.view(u"taskView"_s), Qt::Key_Delete);
        QTRY_COMPARE(w.notificationCount(BatchListModel::Cancelled), 1);
        QCOMPARE(w.tasks()->index(w.notificationTaskRows().first(), TaskTableModel::Error).data().toString(), u"cancelled by user"_s);

        // Re-queued as a new task of the same queue, which runs again and can be cancelled again.
        w.selectTaskRow(w.notificationTaskRows().first());
        QTest::keySequence(w.view(u"taskView"_s), QKeySequence(Qt::CTRL | Qt::Key_R));
        QTRY_COMPARE(w.notificationTaskRows().size(), 2);
        QTRY_COMPARE(w.notificationCount(BatchListModel::Running), 1);
        QCOMPARE(w.batches()->rowCount(), 2); // the batch and the Notifications queue, nothing more
        w.selectTaskRow(w.notificationTaskRows().last());
        QTest::keyClick(w.view(u"taskView"_s), Qt::Key_Delete);
        QTRY_COMPARE(w.notificationCount(BatchListModel::Cancelled), 2);
    }
};

QTEST_MAIN(TestNotificationWindow)
#include "tst_notification_window.moc"
