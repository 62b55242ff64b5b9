#pragma once

#include <QString>

namespace loopscope {

// What went wrong with a task, as a category a script can count and filter on; the task's
// error text says the rest. The names are stable: they are written to records and history.
enum class ErrorKind : quint8 {
    None,
    Timeout,           // the whole attempt took longer than the timeout
    IdleTimeout,       // nothing arrived for longer than the idle timeout
    ConnectionRefused, // nothing listens at the host and port
    ConnectionReset,   // the server closed or reset the connection before the response was complete
    HostNotFound,      // the name does not resolve
    Tls,               // the TLS handshake failed, e.g. an untrusted certificate
    Http,              // the server answered with an error status (4xx, 5xx, or a redirect without a target)
    TooManyRedirects,
    TooLarge,          // the response exceeded the size limit
    Decompression,     // the compressed body expands too much, or does not decompress
    MalformedResponse, // the server's answer is not well-formed HTTP: its status line or chunked framing
    Network,           // any other network failure
    Cancelled,
    Refused,           // a refusal that another attempt will not change: a mail server's 5xx, a redirect to another scheme
    Temporary,         // a refusal for now that asks to try again later: a mail server's 4xx
    Disk,              // a file could not be written or read: disk full, no permission, an unusable folder, a damaged history
    Invalid,           // the input is malformed: a URL, an address, a setting
};

// "timeout", "idle_timeout", "connection_refused", …; empty for None.
QString errorKindName(ErrorKind kind);
// The kind of a name errorKindName() gave; None for any other text.
ErrorKind errorKindNamed(const QString &name);

} // namespace loopscope
