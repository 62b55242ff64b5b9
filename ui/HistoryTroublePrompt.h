#pragma once

#include "History.h"
#include "HistoryFile.h"

#include <QCoreApplication>

#include <memory>

class QWidget;

namespace loopscope {

// At start-up, when the history does not open: says what is wrong with the file and offers
// what can help. A damaged one can be moved aside to start anew, or what can still be read of
// it recovered; a busy, read-only or full one can be tried again once that is mended. Or the
// window goes on without recording. Nothing is deleted whichever is chosen.
class HistoryTroublePrompt {
    Q_DECLARE_TR_FUNCTIONS(HistoryTroublePrompt)
public:
    struct Opened {
        std::unique_ptr<History> history; // nullptr: work is not recorded
        QString message;                  // for the status bar: what was done, or why nothing is recorded
    };

    // path: as History::open() takes it (empty: the user's own).
    static Opened open(const QString &path, QWidget *parent);

private:
    enum class Choice { MoveAside, Recover, TryAgain, WithoutHistory };
    static Choice ask(const QString &path, const Failure &failure, HistoryFile::Trouble trouble, QWidget *parent);
};

} // namespace loopscope
