// The thread-safe bridge: post() runs plain calls on the worker loop; submit() runs a
// coroutine there and hands back a future the caller co_awaits on its own thread; runAndWait()
// runs one there while the caller blocks.
#include "WorkerLoop.h"

#include <QTest>
#include <QTimer>
#include <QCoroFuture>
#include <QCoroTimer>

#include <atomic>

using namespace Qt::StringLiterals;

using namespace loopscope;
using namespace std::chrono_literals;

class TestWorkerLoop : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void postRunsOnTheWorkerInOrder()
    {
        WorkerLoop loop(u"test loop"_s);
        QList<int> order;
        std::atomic<QThread *> ranOn = nullptr;
        std::atomic<bool> done = false;
        for (int i = 0; i < 5; ++i)
            loop.post([&order, i] { order.append(i); });
        loop.post([&] {
            ranOn = QThread::currentThread();
            done = true;
        });
        QTRY_VERIFY(done.load());
        QCOMPARE(ranOn.load(), loop.thread());
        QVERIFY(ranOn.load() != QThread::currentThread());
        QCOMPARE(order, (QList<int>{0, 1, 2, 3, 4}));
    }

    void submittedCoroutineRunsOnWorkerAndResumesCallerOnItsThread()
    {
        WorkerLoop loop(u"test loop"_s);
        QThread *coroutineThread = nullptr;
        QThread *resumedThread = nullptr;
        int result = 0;
        auto caller = [&]() -> QCoro::Task<> {
            const QFuture<int> future = loop.submit([&]() -> QCoro::Task<int> {
                coroutineThread = QThread::currentThread();
                QTimer timer; // awaits inside the worker loop before answering
                timer.start(20ms);
                co_await qCoro(timer).waitForTimeout();
                co_return 42;
            });
            result = co_await future;
            resumedThread = QThread::currentThread();
        };
        auto task = caller();
        QTRY_COMPARE(result, 42);
        QCOMPARE(coroutineThread, loop.thread());
        QCOMPARE(resumedThread, QThread::currentThread());
    }

    void submitFromAThirdThread()
    {
        // Any thread may submit; the future resolves for whoever awaits it.
        WorkerLoop loop(u"test loop"_s);
        std::atomic<int> answer = 0;
        std::unique_ptr<QThread> other(QThread::create([&] {
            QFuture<int> future = loop.submit([]() -> QCoro::Task<int> { co_return 7; });
            future.waitForFinished();
            answer = future.result();
        }));
        other->start();
        QTRY_COMPARE(answer.load(), 7);
        other->wait();
    }

    void submitVoid()
    {
        WorkerLoop loop(u"test loop"_s);
        std::atomic<bool> ran = false; // set on the loop, read here
        QFuture<void> future = loop.submit([&]() -> QCoro::Task<> {
            ran = true;
            co_return;
        });
        QTRY_VERIFY(future.isFinished());
        QVERIFY(ran);
    }

    void runAndWaitBlocksUntilTheCoroutineHasEnded()
    {
        WorkerLoop loop(u"test loop"_s);
        QThread *coroutineThread = nullptr; // written there, read here after the hand-over
        const QString answer = loop.runAndWait([&]() -> QCoro::Task<QString> {
            coroutineThread = QThread::currentThread();
            QTimer timer; // the loop runs on while the caller waits
            timer.start(20ms);
            co_await qCoro(timer).waitForTimeout();
            co_return u"answered"_s;
        });
        QCOMPARE(answer, u"answered"_s);
        QCOMPARE(coroutineThread, loop.thread());

        bool ended = false;
        loop.runAndWait([&]() -> QCoro::Task<> {
            QTimer timer;
            timer.start(20ms);
            co_await qCoro(timer).waitForTimeout();
            ended = true;
        });
        QVERIFY(ended);
    }
};

QTEST_GUILESS_MAIN(TestWorkerLoop)
#include "tst_worker_loop.moc"
