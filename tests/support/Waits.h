#pragma once
// Waiting in tests without letting a timeout pass for a result. QVERIFY and QFAIL return from
// the function they are written in, so a helper that waits cannot fail the test itself: it
// returns a Result instead, the value or a sentence saying what did not happen in time, and
// the test function unwraps it with ASSIGN_OR_FAIL, which fails there with that sentence.
#include "Result.h"

#include <QFuture>
#include <QString>
#include <QTest>

#include <utility>

using namespace Qt::StringLiterals;

// "30 s", "0.5 s": how the wait messages write a timeout.
inline QString waitSeconds(int timeoutMs)
{
    return QString::number(timeoutMs / 1000.0) + u" s"_s;
}

// The future's result once it finished, turning this thread's event loop meanwhile; `what`
// names the awaited thing in the failure ("batch 3" -> "batch 3 did not finish within 30 s").
template<typename T>
loopscope::Result<T> resultWithin(const QFuture<T> &future, int timeoutMs, const QString &what)
{
    if (!QTest::qWaitFor([&future] { return future.isFinished(); }, timeoutMs))
        return loopscope::Failure{loopscope::ErrorKind::Timeout, what + u" did not finish within "_s + waitSeconds(timeoutMs)};
    if (future.resultCount() == 0)
        return loopscope::Failure{loopscope::ErrorKind::Cancelled, what + u" ended without a result"_s};
    return future.result();
}

#define ASSIGN_OR_FAIL_CONCAT_(a, b) a##b
#define ASSIGN_OR_FAIL_CONCAT(a, b) ASSIGN_OR_FAIL_CONCAT_(a, b)
#define ASSIGN_OR_FAIL_(declaration, result, ...)                                                                                \
    auto result = (__VA_ARGS__);                                                                                                 \
    QVERIFY2(result.ok(), qPrintable(result.error()));                                                                           \
    declaration = std::move(result).value()

// In a test function: ASSIGN_OR_FAIL(const BatchRecord batch, waitForBatch(engine, id));
// declares batch from the Result's value, or fails the test with the Result's message.
#define ASSIGN_OR_FAIL(declaration, ...) ASSIGN_OR_FAIL_(declaration, ASSIGN_OR_FAIL_CONCAT(assignOrFail_, __LINE__), __VA_ARGS__)
