#pragma once

#include "UrlList.h"

#include <QFuture>

// URL lists parsed on a pool thread: 100,000 lines must never stall the window.
QFuture<loopscope::UrlList> parseUrlsInBackground(const QString &text, const QString &source);
QFuture<loopscope::UrlList> readUrlFileInBackground(const QString &path);
