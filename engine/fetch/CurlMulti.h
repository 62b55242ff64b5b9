#pragma once

#include <QObject>
#include <QTimer>

#include <curl/curl.h>

#include <memory>
#include <unordered_map>
#include <vector>

class QSocketNotifier;

namespace loopscope {

class CurlTransfer;

// Easy handles kept for the next transfer: making one anew and cleaning it up costs more than
// resetting it, for each of a batch's many small requests. Shared by the multi handle and the
// transfers that hold one, whichever goes last. Worker-thread only.
class CurlHandlePool {
public:
    CurlHandlePool() = default;
    ~CurlHandlePool();
    Q_DISABLE_COPY_MOVE(CurlHandlePool)

    CURL *take();
    // With every option back at curl's default; its connection stays with the multi handle.
    void giveBack(CURL *easy);

private:
    // More than a batch ever has running at once; beyond this, handles are let go.
    static constexpr std::size_t MaxKept = 1024;
    std::vector<CURL *> m_kept;
};

// libcurl's multi interface driven by the worker loop itself: a QSocketNotifier for each
// socket curl asks to watch and one single-shot timer for the timeout it asks for, each
// handing the event back with curl_multi_socket_action. No thread or polling loop of its
// own: every transfer's callbacks run on the loop that owns this object. Created and
// destroyed on that loop.
class CurlMulti : public QObject {
    Q_OBJECT
public:
    explicit CurlMulti(QObject *parent = nullptr);
    ~CurlMulti() override;
    Q_DISABLE_COPY_MOVE(CurlMulti)

    // Starts a transfer; it hears its end through CurlTransfer::ended.
    void add(CurlTransfer &transfer);
    // Takes a transfer out at once, from outside curl's callbacks; it ends without a result.
    void remove(CurlTransfer &transfer);
    // Connections at most per host:port and in all; 0: no limit.
    void setConnectionLimits(int perHost, int total);
    const std::shared_ptr<CurlHandlePool> &handles() const { return m_handles; }

private:
    struct SocketWatch;

    static int onSocket(CURL *easy, curl_socket_t socket, int what, void *self, void *socketData);
    static int onTimer(CURLM *multi, long timeoutMs, void *self);
    void watch(curl_socket_t socket, int what);
    void act(curl_socket_t socket, int events);
    void collectEnded();

    std::shared_ptr<CurlHandlePool> m_handles = std::make_shared<CurlHandlePool>();
    CURLM *m_multi;
    QTimer m_timer;
    std::unordered_map<curl_socket_t, std::unique_ptr<SocketWatch>> m_sockets;
};

} // namespace loopscope
