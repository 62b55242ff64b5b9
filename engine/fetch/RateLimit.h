#pragma once

#include <QElapsedTimer>
#include <QtGlobal>

namespace loopscope {

// A token bucket shared by the transfers of one batch, so that --limit-rate holds for the batch
// as a whole however many transfers run. A transfer takes what it received when there is credit
// and pauses otherwise; the debt a large piece leaves is paid by the waits that follow. Worker-
// thread only.
class RateLimit {
public:
    explicit RateLimit(qint64 bytesPerSecond);

    qint64 bytesPerSecond() const { return m_rate; }
    // Whether bytes may be taken now; if so, they are counted.
    bool take(qint64 bytes);
    // How long until there is credit again, in milliseconds (at least 1).
    int waitMs() const;

private:
    void refill();

    qint64 m_rate;
    double m_credit; // bytes; negative while in debt
    QElapsedTimer m_clock;
    qint64 m_lastNs = 0;
};

} // namespace loopscope
