#include "HttpTransport.h"

#include "DiskLoop.h"
#include "DiskWriter.h"

namespace loopscope {

HttpTransport::HttpTransport() = default;
HttpTransport::~HttpTransport() = default;

QCoro::Task<FetchOutcome> HttpTransport::attempt(FetchRequest request, QString folder, bool overwrite, TaskId task,
                                                 CancelToken &token)
{
    const ManagerPool::Lease lease = m_pool.acquire();
    std::unique_ptr<DiskWriter> writer;
    if (!folder.isEmpty()) {
        writer = std::make_unique<DiskWriter>(disk(), folder, overwrite, task);
        request.body = writer.get();
    }
    co_return co_await fetchOnce(lease.manager(), std::move(request), token);
}

DiskLoop &HttpTransport::disk()
{
    if (!m_disk)
        m_disk = std::make_unique<DiskLoop>();
    return *m_disk;
}

} // namespace loopscope
