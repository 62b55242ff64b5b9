#pragma once

#include "BatchRecord.h"

namespace loopscope {

// A batch as the history lists it: its name, when it was queued and how its tasks ended.
struct HistoryBatch {
    BatchId id = 0;
    QString name;
    qint64 createdAt = 0; // UTC ms
    BatchSettings settings;
    int total = 0;
    int succeeded = 0;
    int failed = 0;
    int cancelled = 0;
    int unfinished = 0;   // queued or running when last recorded
    qint64 elapsedMs = 0; // first start to last finish
    qint64 sumRunMs = 0;
    BatchId retryOf = 0;  // the batch whose tasks this one retries
};

} // namespace loopscope
