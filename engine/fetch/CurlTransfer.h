#pragma once

#include "Wakeup.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <curl/curl.h>

#include <coroutine>
#include <functional>
#include <memory>

namespace loopscope {

class CurlHandlePool;
class CurlMulti;

// One libcurl easy handle and the coroutine that awaits it. The owner sets its options
// (handle()) and the two callbacks, then co_awaits run(); curl calls back on the worker loop
// while the transfer runs. stop() takes it out of the multi handle at once (cancel, a timeout),
// and run() then returns CURLE_ABORTED_BY_CALLBACK. Worker-thread only.
class CurlTransfer {
public:
    // Each header line of each response, with its line ending; the status line starts each one.
    using HeaderSink = std::function<bool(QByteArrayView line)>;
    // Body bytes as they arrive; returns Take, Pause (curl offers the same bytes again after
    // unpause()) or Refuse (the transfer ends with CURLE_WRITE_ERROR).
    enum class Taken { Take, Pause, Refuse };
    using BodySink = std::function<Taken(QByteArrayView bytes)>;

    // With an easy handle of multi's pool; run() then starts it on multi. task: whose
    // attempt it is, for the loop monitor to name it.
    CurlTransfer(CurlMulti &multi, quint64 task);
    ~CurlTransfer();
    Q_DISABLE_COPY_MOVE(CurlTransfer)

    CURL *handle() const { return m_easy; }
    void onHeader(HeaderSink sink) { m_header = std::move(sink); }
    void onBody(BodySink sink) { m_body = std::move(sink); }

    // co_await transfer.run(): starts it and returns how it ended. An awaitable rather
    // than a coroutine: no frame of its own for each of a batch's many requests.
    struct Run {
        CurlTransfer *transfer;
        Wakeup::Awaiter ended;
        bool await_ready() const noexcept { return ended.await_ready(); }
        void await_suspend(std::coroutine_handle<> waiting) noexcept { ended.await_suspend(waiting); }
        CURLcode await_resume() noexcept
        {
            ended.await_resume();
            return transfer->m_result;
        }
    };
    Run run();
    void stop();
    // Lets a paused transfer go on; curl may deliver the bytes it held back from inside.
    void unpause();
    bool isPaused() const { return m_paused; }
    quint64 task() const { return m_task; }
    // curl's own words for the error of the last run, when it gave some.
    QString errorText() const { return QString::fromUtf8(m_errorText); }

private:
    friend class CurlMulti;
    // From CurlMulti, outside curl's callbacks, once the handle is out of the multi: the
    // awaiting coroutine goes on inside this call.
    void ended(CURLcode result);

    static size_t onHeaderData(char *data, size_t size, size_t count, void *self);
    static size_t onBodyData(char *data, size_t size, size_t count, void *self);

    CurlMulti &m_owner;
    std::shared_ptr<CurlHandlePool> m_pool; // where the handle goes back, even after the multi
    CURL *m_easy;
    quint64 m_task;
    CurlMulti *m_multi = nullptr; // while running
    HeaderSink m_header;
    BodySink m_body;
    Wakeup m_ended;
    CURLcode m_result = CURLE_OK;
    bool m_paused = false;
    char m_errorText[CURL_ERROR_SIZE] = {};
};

} // namespace loopscope
