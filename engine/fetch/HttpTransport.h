#pragma once

#include "HttpFetch.h"
#include "ManagerPool.h"
#include "TaskRecord.h"

#include <memory>

namespace loopscope {

class DiskLoop;

// The worker loop's HTTP side: the connections every attempt shares and the disk thread that
// saved bodies go through, started with the first download. Worker-thread only.
class HttpTransport {
public:
    HttpTransport();
    ~HttpTransport();
    HttpTransport(const HttpTransport &) = delete;
    HttpTransport &operator=(const HttpTransport &) = delete;

    // One attempt. With a folder, the body is saved there under a part file of this attempt's
    // own making, which takes its final name only once complete and is removed otherwise.
    QCoro::Task<FetchOutcome> attempt(FetchRequest request, QString folder, bool overwrite, TaskId task, CancelToken &token);

private:
    DiskLoop &disk();

    ManagerPool m_pool;
    std::unique_ptr<DiskLoop> m_disk;
};

} // namespace loopscope
