#include "HttpTransport.h"

#include "CurlMulti.h"
#include "DiskLoop.h"
#include "DiskWriter.h"

namespace loopscope {

HttpTransport::HttpTransport() = default;
HttpTransport::~HttpTransport() = default;

QCoro::Task<FetchOutcome> HttpTransport::attempt(FetchRequest request, QString folder, bool overwrite, TaskId task,
                                                 CancelToken &token)
{
    std::unique_ptr<DiskWriter> writer;
    if (!folder.isEmpty()) {
        writer = std::make_unique<DiskWriter>(disk(), folder, overwrite, task);
        request.body = writer.get();
    }
    co_return co_await fetchOnce(multi(), std::move(request), token);
}

void HttpTransport::setConnectionLimits(int perHost, int total)
{
    m_perHost = perHost;
    m_total = total;
    if (m_multi)
        m_multi->setConnectionLimits(perHost, total);
}

CurlMulti &HttpTransport::multi()
{
    // Made here, on the worker loop, as its notifiers and timer must be.
    if (!m_multi) {
        m_multi = std::make_unique<CurlMulti>();
        m_multi->setConnectionLimits(m_perHost, m_total);
    }
    return *m_multi;
}

DiskLoop &HttpTransport::disk()
{
    if (!m_disk)
        m_disk = std::make_unique<DiskLoop>();
    return *m_disk;
}

} // namespace loopscope
