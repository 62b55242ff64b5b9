#pragma once

#include "HttpFetch.h"
#include "ResponseHead.h"

#include <curl/curl.h>

namespace loopscope {

// Why this side ended an attempt before the server did.
enum class AttemptStop { None, Timeout, IdleTimeout, TooLarge, HugeHead, Disk, Bomb, Undecodable, InsecureRedirect, UnsupportedRedirect, WrongRange };

// What an attempt saw while it ran.
struct AttemptProgress {
    qint64 received = 0;   // body bytes, after decompression
    qint64 wire = 0;       // body bytes as they came, before decompression
    qint64 announced = -1; // Content-Length, of the bytes as they come; -1: not given
    qint64 resumedAt = 0;  // the bytes of the body a part file already held
    AttemptStop stop = AttemptStop::None;
    QString stopDetail; // why the body did not decompress; where a refused redirect led
};

// The kind and the words for an attempt this side stopped (progress.stop is set).
void describeStop(FetchOutcome &outcome, const AttemptProgress &progress, const FetchRequest &request);
// The kind and the words for an attempt that the network or the peer ended with an error.
void describeTransferError(FetchOutcome &outcome, CURL *easy, CURLcode code, const QString &curlText, const ResponseHead &head,
                           const AttemptProgress &progress, const FetchRequest &request, const QString &proxy);
// An error status; when it is worth another attempt, the wait the server asked for.
void describeHttpError(FetchOutcome &outcome, const ResponseHead &head);

} // namespace loopscope
