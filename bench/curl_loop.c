/* The floor of a one-thread libcurl transport: fetches the URLs of a file (one per line), at
 * most JOBS at a time, through one multi handle driven by curl_multi_perform and
 * curl_multi_poll, bodies discarded. Nothing else: no scheduling, records or history. The
 * throughput bench runs it beside loopscope to show what the transport itself costs.
 *
 *   curl_loop URLFILE JOBS
 */
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t discard(char *data, size_t size, size_t count, void *user)
{
    (void)data;
    (void)user;
    return size * count;
}

static void start(CURLM *multi, const char *url)
{
    CURL *easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(multi, easy);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: curl_loop URLFILE JOBS\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "r");
    const long jobs = strtol(argv[2], NULL, 10);
    if (!file || jobs < 1) {
        fprintf(stderr, "curl_loop: cannot read %s, or JOBS is not a positive number\n", argv[1]);
        return 2;
    }
    char **urls = NULL;
    size_t count = 0, capacity = 0;
    char line[8192];
    while (fgets(line, sizeof line, file)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line)
            continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 1024;
            urls = realloc(urls, capacity * sizeof *urls);
        }
        urls[count++] = strdup(line);
    }
    fclose(file);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, jobs);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, jobs);
    size_t next = 0, active = 0, failed = 0;
    for (; next < count && next < (size_t)jobs; ++next, ++active)
        start(multi, urls[next]);
    while (active > 0) {
        int running = 0;
        curl_multi_perform(multi, &running);
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
            if (next < count) {
                start(multi, urls[next++]);
                ++active;
            }
        }
        if (active > 0)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    curl_multi_cleanup(multi);
    if (failed)
        fprintf(stderr, "curl_loop: %zu of %zu failed\n", failed, count);
    return failed ? 1 : 0;
}
