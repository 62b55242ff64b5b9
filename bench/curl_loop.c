/* The floor of a one-thread libcurl transport: fetches the URLs of a file (one per line), at
 * most JOBS at a time, through one multi handle, bodies discarded, nothing else: no scheduling,
 * records or history. The throughput bench runs it beside loopscope to show what the transport
 * itself costs, in either of curl's two ways of driving a multi handle:
 *   perform  curl_multi_perform and curl_multi_poll: curl looks at every transfer each turn;
 *   socket   curl_multi_socket_action on an epoll set, told each socket and timeout curl asks
 *            for, as loopscope's worker loop does with its socket notifiers.
 *
 *   curl_loop perform|socket URLFILE JOBS
 */
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

static int epoll_set = -1;
static long timeout_ms = -1; /* what curl last asked for; -1: no timeout */
static size_t next_url, url_count, active, failed;
static char **urls;

static size_t discard(char *data, size_t size, size_t count, void *user)
{
    (void)data;
    (void)user;
    return size * count;
}

static void start(CURLM *multi)
{
    CURL *easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, urls[next_url++]);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(multi, easy);
    ++active;
}

/* Ends what ended and starts as many as ended. */
static void collect(CURLM *multi)
{
    int queued = 0;
    for (CURLMsg *message; (message = curl_multi_info_read(multi, &queued));) {
        if (message->msg != CURLMSG_DONE)
            continue;
        CURL *easy = message->easy_handle;
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        if (message->data.result != CURLE_OK || status != 200)
            ++failed;
        curl_multi_remove_handle(multi, easy);
        curl_easy_cleanup(easy);
        --active;
        if (next_url < url_count)
            start(multi);
    }
}

static int on_socket(CURL *easy, curl_socket_t socket, int what, void *user, void *socket_data)
{
    (void)easy;
    (void)user;
    (void)socket_data;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(epoll_set, EPOLL_CTL_DEL, socket, NULL);
        return 0;
    }
    struct epoll_event event = {0};
    event.data.fd = socket;
    event.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (epoll_ctl(epoll_set, EPOLL_CTL_MOD, socket, &event) != 0)
        epoll_ctl(epoll_set, EPOLL_CTL_ADD, socket, &event);
    return 0;
}

static int on_timer(CURLM *multi, long ms, void *user)
{
    (void)multi;
    (void)user;
    timeout_ms = ms;
    return 0;
}

static void run_perform(CURLM *multi)
{
    while (active > 0) {
        int running = 0;
        curl_multi_perform(multi, &running);
        collect(multi);
        if (active > 0)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
}

static void run_socket(CURLM *multi)
{
    int running = 0;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    while (active > 0) {
        struct epoll_event events[64];
        const int ready = epoll_wait(epoll_set, events, 64, timeout_ms < 0 ? 1000 : (int)timeout_ms);
        if (ready <= 0)
            curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
        for (int i = 0; i < ready; ++i) {
            const int what = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) | (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0)
                           | (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(multi, events[i].data.fd, what, &running);
        }
        collect(multi);
        /* Transfers just added asked for a timeout of 0: start them now. */
        if (timeout_ms == 0)
            curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
}

int main(int argc, char **argv)
{
    const long jobs = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
    const int socket_mode = argc == 4 && strcmp(argv[1], "socket") == 0;
    if (jobs < 1 || (!socket_mode && strcmp(argv[1], "perform") != 0)) {
        fprintf(stderr, "usage: curl_loop perform|socket URLFILE JOBS\n");
        return 2;
    }
    FILE *file = fopen(argv[2], "r");
    if (!file) {
        fprintf(stderr, "curl_loop: cannot read %s\n", argv[2]);
        return 2;
    }
    size_t capacity = 0;
    char line[8192];
    while (fgets(line, sizeof line, file)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line)
            continue;
        if (url_count == capacity) {
            capacity = capacity ? capacity * 2 : 1024;
            urls = realloc(urls, capacity * sizeof *urls);
        }
        urls[url_count++] = strdup(line);
    }
    fclose(file);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, jobs);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, jobs);
    if (socket_mode) {
        /* The callbacks first: the transfers added below then say at once what they want. */
        epoll_set = epoll_create1(0);
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
    }
    while (next_url < url_count && active < (size_t)jobs)
        start(multi);
    if (socket_mode)
        run_socket(multi);
    else
        run_perform(multi);
    curl_multi_cleanup(multi);
    if (failed)
        fprintf(stderr, "curl_loop: %zu of %zu failed\n", failed, url_count);
    return failed ? 1 : 0;
}
