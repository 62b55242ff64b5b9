#pragma once

#include "TaskRecord.h"
#include "UrlList.h"

class QIODevice;

// The records of an earlier run (--jsonl) that failed with a server error (5xx): the URLs to
// fire again, each with the id of the task it retries. Lines that are not such records are
// reported as FILE:LINE with why.
struct ServerErrors {
    QList<QByteArray> urls; // encoded, as batches take them
    QList<loopscope::TaskId> retryOf;
    QList<loopscope::RejectedLine> rejected;
};

ServerErrors readServerErrors(QIODevice &results, const QString &source);
