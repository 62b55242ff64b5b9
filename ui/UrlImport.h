#pragma once

#include "UrlList.h"

#include <QFuture>

namespace loopscope {

// URL lists parsed on a pool thread: 100,000 lines must never stall the window.
QFuture<UrlList> parseUrlsInBackground(const QString &text, const QString &source);
QFuture<UrlList> readUrlFileInBackground(const QString &path);

} // namespace loopscope
