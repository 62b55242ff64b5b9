#include "CurlTransfer.h"

#include "CurlMulti.h"

namespace loopscope {

CurlTransfer::CurlTransfer(CurlMulti &multi, quint64 task)
    : m_owner(multi)
    , m_pool(multi.handles())
    , m_easy(m_pool->take())
    , m_task(task)
{
    curl_easy_setopt(m_easy, CURLOPT_PRIVATE, this);
    curl_easy_setopt(m_easy, CURLOPT_ERRORBUFFER, m_errorText);
    curl_easy_setopt(m_easy, CURLOPT_HEADERFUNCTION, &CurlTransfer::onHeaderData);
    curl_easy_setopt(m_easy, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(m_easy, CURLOPT_WRITEFUNCTION, &CurlTransfer::onBodyData);
    curl_easy_setopt(m_easy, CURLOPT_WRITEDATA, this);
    // Signals are no way to time out a resolver on a loop shared by many transfers.
    curl_easy_setopt(m_easy, CURLOPT_NOSIGNAL, 1L);
}

CurlTransfer::~CurlTransfer()
{
    stop();
    // A handle stopped while paused may still hold the bytes curl kept back: not worth reusing.
    if (m_paused)
        curl_easy_cleanup(m_easy);
    else
        m_pool->giveBack(m_easy);
}

CurlTransfer::Run CurlTransfer::run()
{
    m_errorText[0] = '\0';
    m_result = CURLE_OK;
    m_multi = &m_owner;
    m_owner.add(*this);
    return Run{this, m_ended.next()};
}

void CurlTransfer::stop()
{
    if (!m_multi)
        return;
    std::exchange(m_multi, nullptr)->remove(*this);
    // Called from a timer, a cancel or a disk error, whose senders the coroutine may destroy
    // once it goes on: that happens on the next turn of the loop.
    m_result = CURLE_ABORTED_BY_CALLBACK;
    m_ended.fire();
}

void CurlTransfer::unpause()
{
    if (!m_paused || !m_multi)
        return;
    m_paused = false;
    curl_easy_pause(m_easy, CURLPAUSE_CONT);
}

void CurlTransfer::ended(CURLcode result)
{
    m_multi = nullptr;
    m_result = result;
    m_ended.fireHere();
}

size_t CurlTransfer::onHeaderData(char *data, size_t size, size_t count, void *self)
{
    auto *transfer = static_cast<CurlTransfer *>(self);
    const size_t bytes = size * count;
    if (transfer->m_header && !transfer->m_header(QByteArrayView(data, qsizetype(bytes))))
        return 0; // ends the transfer with CURLE_WRITE_ERROR
    return bytes;
}

size_t CurlTransfer::onBodyData(char *data, size_t size, size_t count, void *self)
{
    auto *transfer = static_cast<CurlTransfer *>(self);
    const size_t bytes = size * count;
    if (!transfer->m_body)
        return bytes;
    switch (transfer->m_body(QByteArrayView(data, qsizetype(bytes)))) {
    case Taken::Take:
        return bytes;
    case Taken::Pause:
        transfer->m_paused = true;
        return CURL_WRITEFUNC_PAUSE;
    case Taken::Refuse:
        break;
    }
    return 0;
}

} // namespace loopscope
