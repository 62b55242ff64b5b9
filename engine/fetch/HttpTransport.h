#pragma once

#include "HttpFetch.h"
#include "TaskRecord.h"

#include <memory>

namespace loopscope {

class CurlMulti;
class DiskLoop;

// The worker loop's HTTP side: the libcurl multi handle every attempt shares (its connections,
// kept alive and multiplexed) and the disk thread that saved bodies go through, each started
// when first needed. Worker-thread only.
class HttpTransport {
public:
    HttpTransport();
    ~HttpTransport();
    HttpTransport(const HttpTransport &) = delete;
    HttpTransport &operator=(const HttpTransport &) = delete;

    // One attempt. With a folder, the body is saved there under a part file of this attempt's
    // own making, which takes its final name only once complete and is removed otherwise.
    QCoro::Task<FetchOutcome> attempt(FetchRequest request, QString folder, bool overwrite, TaskId task, CancelToken &token);
    // The most connections curl opens per host:port and in all (the scheduler keeps to these
    // too; this keeps curl from opening more for transfers it multiplexes).
    void setConnectionLimits(int perHost, int total);

private:
    QCoro::Task<FetchOutcome> saveAttempt(FetchRequest request, QString folder, bool overwrite, TaskId task, CancelToken &token);
    CurlMulti &multi();
    DiskLoop &disk();

    std::unique_ptr<CurlMulti> m_multi;
    std::unique_ptr<DiskLoop> m_disk;
    int m_perHost = 0;
    int m_total = 0;
};

} // namespace loopscope
