#pragma once

#include <QString>

namespace loopscope {

// The life of a task, in the order it may move: Queued → Running → one terminal state.
enum class TaskState : quint8 { Queued, Running, Succeeded, Failed, Cancelled };
inline constexpr int TaskStateCount = 5;

// Who asked for a cancellation; recorded so a Cancelled task says why.
enum class CancelReason : quint8 { None, User, Batch, Shutdown };

bool isTerminal(TaskState state);
// Forward-only rule: no state is entered twice and no terminal state is left.
bool canMove(TaskState from, TaskState to);
QString stateName(TaskState state);            // "queued", "running", "succeeded", ...
TaskState stateNamed(const QString &name);     // the state stateName() gave that name; Queued for any other
QString cancelReasonText(CancelReason reason); // "cancelled by user", ...

} // namespace loopscope
