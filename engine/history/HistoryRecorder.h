#pragma once

#include "BatchRecord.h"
#include "Result.h"

#include <QObject>

namespace loopscope {

class HistoryDatabase;

// Lives on the history thread: writes the engine's updates to the database and says when the
// database fails, there or in any other use. A failure is said once however many updates it
// goes on refusing (a full disk refuses them all), and again only after task ends were written
// or as another failure.
class HistoryRecorder : public QObject {
    Q_OBJECT
public:
    explicit HistoryRecorder(HistoryDatabase &db);

    void record(const EngineUpdate &update);
    // How another use of the database ended.
    void note(const Result<> &outcome);

Q_SIGNALS:
    void failed(const loopscope::Failure &failure);

private:
    HistoryDatabase &m_db;
    QString m_failing; // the failure said last, until the database works again
};

} // namespace loopscope
