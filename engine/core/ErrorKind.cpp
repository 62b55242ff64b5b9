#include "ErrorKind.h"

namespace loopscope {

QString errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::None: return {};
    case ErrorKind::Timeout: return QStringLiteral("timeout");
    case ErrorKind::IdleTimeout: return QStringLiteral("idle_timeout");
    case ErrorKind::ConnectionRefused: return QStringLiteral("connection_refused");
    case ErrorKind::ConnectionReset: return QStringLiteral("connection_reset");
    case ErrorKind::HostNotFound: return QStringLiteral("host_not_found");
    case ErrorKind::Tls: return QStringLiteral("tls");
    case ErrorKind::Http: return QStringLiteral("http");
    case ErrorKind::TooManyRedirects: return QStringLiteral("too_many_redirects");
    case ErrorKind::TooLarge: return QStringLiteral("too_large");
    case ErrorKind::Decompression: return QStringLiteral("decompression");
    case ErrorKind::MalformedResponse: return QStringLiteral("malformed_response");
    case ErrorKind::Network: return QStringLiteral("network");
    case ErrorKind::Cancelled: return QStringLiteral("cancelled");
    case ErrorKind::Refused: return QStringLiteral("refused");
    case ErrorKind::Temporary: return QStringLiteral("temporary");
    case ErrorKind::Disk: return QStringLiteral("disk");
    case ErrorKind::Invalid: return QStringLiteral("invalid");
    }
    return {};
}

ErrorKind errorKindNamed(const QString &name)
{
    for (int kind = int(ErrorKind::None) + 1; kind <= int(ErrorKind::Invalid); ++kind) {
        if (errorKindName(ErrorKind(kind)) == name)
            return ErrorKind(kind);
    }
    return ErrorKind::None;
}

} // namespace loopscope
