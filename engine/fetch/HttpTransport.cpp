#include "HttpTransport.h"

#include "CancelToken.h"
#include "CurlMulti.h"
#include "DiskLoop.h"
#include "DiskWriter.h"
#include "Format.h"

using namespace Qt::StringLiterals;

namespace loopscope {

HttpTransport::HttpTransport() = default;
HttpTransport::~HttpTransport() = default;

QCoro::Task<FetchOutcome> HttpTransport::attempt(FetchRequest request, QString folder, bool overwrite, TaskId task,
                                                 CancelToken &token)
{
    // The attempt itself when nothing is saved: no coroutine frame of its own around it.
    if (folder.isEmpty())
        return fetchOnce(multi(), std::move(request), token);
    return saveAttempt(std::move(request), std::move(folder), overwrite, task, token);
}

QCoro::Task<FetchOutcome> HttpTransport::saveAttempt(FetchRequest request, QString folder, bool overwrite, TaskId task,
                                                     CancelToken &token)
{
    auto writer = std::make_unique<DiskWriter>(disk(), folder, overwrite, task, request.url);
    const DiskWriter::Part part = co_await writer->findPart();
    request.body = writer.get();
    request.resumeFrom = part.bytes;
    request.ifRange = part.validator;
    FetchOutcome outcome = co_await fetchOnce(multi(), request, token);
    if (outcome.httpStatus == 416 && part.bytes > 0 && !token.isCancelled()) {
        // The part is longer than the body is now: it is gone with that answer; start again.
        writer = std::make_unique<DiskWriter>(disk(), folder, overwrite, task, request.url);
        request.body = writer.get();
        request.resumeFrom = 0;
        request.ifRange.clear();
        outcome = co_await fetchOnce(multi(), request, token);
        if (outcome.kind == ErrorKind::None)
            outcome.note = u"could not resume at %1 bytes (the server refused the range): downloaded in full"_s.arg(formatNumber(part.bytes));
    }
    co_return outcome;
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
