#pragma once

#include <QByteArray>
#include <QStringView>
#include <QUrl>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

// What the fuzz targets check beyond the sanitizers: the promises the parsers' headers make.
namespace fuzz {

// A broken promise aborts, so that libFuzzer saves the input that broke it; the text it was
// broken in is printed too, anything but printable ASCII as \uXXXX.
inline void require(bool kept, const char *promise, QStringView text = {})
{
    if (kept)
        return;
    std::fprintf(stderr, "broken promise: %s\n", promise);
    if (!text.isNull()) {
        std::fputs("  in: \"", stderr);
        for (const QChar c : text) {
            if (c.unicode() >= 0x20 && c.unicode() < 0x7f)
                std::fputc(c.toLatin1(), stderr);
            else
                std::fprintf(stderr, "\\u%04x", unsigned(c.unicode()));
        }
        std::fputs("\"\n", stderr);
    }
    std::abort();
}

// A character that drives a terminal or changes how the text around it reads: C0 and C1
// controls and DEL, the bidi marks, embeddings, overrides and isolates, the zero-width space.
inline bool drivesTerminal(char16_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200b || c == 0x200e || c == 0x200f
        || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

// Text that may reach a terminal as it is: an error message, a server's reply as it is shown.
inline bool showable(QStringView text)
{
    return std::none_of(text.begin(), text.end(), [](QChar c) { return drivesTerminal(c.unicode()); });
}

// A batch parses each of its encoded URLs again when the task starts (BatchRun): what a list
// or a results file gave must still be an http(s) URL with a host then.
inline bool parsesAgain(const QByteArray &encodedUrl)
{
    const QUrl url = QUrl::fromEncoded(encodedUrl);
    return url.isValid() && !url.host().isEmpty() && (url.scheme() == u"http" || url.scheme() == u"https");
}

} // namespace fuzz
