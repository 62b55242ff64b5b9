#include "CurlMulti.h"

#include "CurlTransfer.h"
#include "LoopMonitor.h"

#include <QSocketNotifier>
#include <QThread>

#include <algorithm>
#include <mutex>

namespace loopscope {

// What a socket is watched for; the notifiers are enabled as curl asks.
struct CurlMulti::SocketWatch {
    std::unique_ptr<QSocketNotifier> read;
    std::unique_ptr<QSocketNotifier> write;
};

CurlHandlePool::~CurlHandlePool()
{
    for (CURL *easy : m_kept)
        curl_easy_cleanup(easy);
}

CURL *CurlHandlePool::take()
{
    if (m_kept.empty())
        return curl_easy_init();
    CURL *const easy = m_kept.back();
    m_kept.pop_back();
    return easy;
}

void CurlHandlePool::giveBack(CURL *easy)
{
    if (m_kept.size() >= MaxKept) {
        curl_easy_cleanup(easy);
        return;
    }
    curl_easy_reset(easy);
    m_kept.push_back(easy);
}

CurlMulti::CurlMulti(QObject *parent)
    : QObject(parent)
{
    // curl_global_init is not thread-safe; nothing else in the process initialises curl.
    static std::once_flag initialised;
    std::call_once(initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_multi = curl_multi_init();
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETFUNCTION, &CurlMulti::onSocket);
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERFUNCTION, &CurlMulti::onTimer);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERDATA, this);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] { act(CURL_SOCKET_TIMEOUT, 0); });
}

CurlMulti::~CurlMulti()
{
    Q_ASSERT(QThread::currentThread() == thread());
    // Transfers still added belong to coroutines that are gone with the loop; their handles
    // are cleaned up by their owners, after this.
    curl_multi_cleanup(m_multi);
}

void CurlMulti::add(CurlTransfer &transfer)
{
    Q_ASSERT(QThread::currentThread() == thread());
    curl_multi_add_handle(m_multi, transfer.handle());
}

void CurlMulti::remove(CurlTransfer &transfer)
{
    Q_ASSERT(QThread::currentThread() == thread());
    curl_multi_remove_handle(m_multi, transfer.handle());
}

void CurlMulti::setConnectionLimits(int perHost, int total)
{
    curl_multi_setopt(m_multi, CURLMOPT_MAX_HOST_CONNECTIONS, long(perHost));
    curl_multi_setopt(m_multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, long(total));
    // The idle connections kept for reuse. curl's default, four per easy handle added, drops
    // to a few while a batch's handles come and go one by one, and closes connections that the
    // next request would have reused.
    curl_multi_setopt(m_multi, CURLMOPT_MAXCONNECTS, long(std::max(total, perHost)));
}

int CurlMulti::onSocket(CURL *, curl_socket_t socket, int what, void *self, void *)
{
    static_cast<CurlMulti *>(self)->watch(socket, what);
    return 0;
}

int CurlMulti::onTimer(CURLM *, long timeoutMs, void *self)
{
    auto *multi = static_cast<CurlMulti *>(self);
    // -1 stops the timer; 0 asks for action as soon as possible, which must not happen
    // inside this callback: the zero-interval timer runs it on the next turn of the loop.
    if (timeoutMs < 0)
        multi->m_timer.stop();
    else
        multi->m_timer.start(int(timeoutMs));
    return 0;
}

void CurlMulti::watch(curl_socket_t socket, int what)
{
    // curl stops watching a kept-alive connection each time a request on it ends, and starts
    // again with the next: the notifiers stay, disabled, for the next request rather than being
    // made anew for each. A socket number curl closed and the system gave out again is the same
    // number to a notifier; a disabled one is not polled.
    if (what == CURL_POLL_REMOVE) {
        if (const auto it = m_sockets.find(socket); it != m_sockets.end()) {
            if (it->second->read)
                it->second->read->setEnabled(false);
            if (it->second->write)
                it->second->write->setEnabled(false);
        }
        return;
    }
    std::unique_ptr<SocketWatch> &watched = m_sockets[socket];
    if (!watched)
        watched = std::make_unique<SocketWatch>();
    const auto want = [this, socket](std::unique_ptr<QSocketNotifier> &notifier, QSocketNotifier::Type type, bool wanted, int event) {
        if (!notifier && wanted) {
            notifier = std::make_unique<QSocketNotifier>(socket, type);
            connect(notifier.get(), &QSocketNotifier::activated, this, [this, socket, event] { act(socket, event); });
        }
        if (notifier)
            notifier->setEnabled(wanted);
    };
    want(watched->read, QSocketNotifier::Read, what == CURL_POLL_IN || what == CURL_POLL_INOUT, CURL_CSELECT_IN);
    want(watched->write, QSocketNotifier::Write, what == CURL_POLL_OUT || what == CURL_POLL_INOUT, CURL_CSELECT_OUT);
}

void CurlMulti::act(curl_socket_t socket, int events)
{
    int running = 0;
    {
        const LoopMonitor::Activity activity("curl_multi_socket_action");
        curl_multi_socket_action(m_multi, socket, events, &running);
    }
    collectEnded();
}

void CurlMulti::collectEnded()
{
    int queued = 0;
    while (CURLMsg *message = curl_multi_info_read(m_multi, &queued)) {
        if (message->msg != CURLMSG_DONE)
            continue;
        CURL *const easy = message->easy_handle;
        const CURLcode result = message->data.result; // the message is gone once the handle is removed
        CurlTransfer *transfer = nullptr;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
        curl_multi_remove_handle(m_multi, easy);
        // Outside curl's callbacks, so the transfer's coroutine goes on at once rather than on
        // the next turn: one posted event fewer per request. What it does next (its task ends,
        // the next one starts) may remove handles, which also takes their messages out of the
        // queue read here.
        if (transfer) {
            const LoopMonitor::Activity activity("transfer ended", transfer->task());
            transfer->ended(result);
        }
    }
}

} // namespace loopscope
