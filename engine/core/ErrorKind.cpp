#include "ErrorKind.h"

using namespace Qt::StringLiterals;

namespace loopscope {

QString errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::None: return {};
    case ErrorKind::Timeout: return u"timeout"_s;
    case ErrorKind::IdleTimeout: return u"idle_timeout"_s;
    case ErrorKind::ConnectionRefused: return u"connection_refused"_s;
    case ErrorKind::ConnectionReset: return u"connection_reset"_s;
    case ErrorKind::HostNotFound: return u"host_not_found"_s;
    case ErrorKind::Tls: return u"tls"_s;
    case ErrorKind::Http: return u"http"_s;
    case ErrorKind::TooManyRedirects: return u"too_many_redirects"_s;
    case ErrorKind::TooLarge: return u"too_large"_s;
    case ErrorKind::Decompression: return u"decompression"_s;
    case ErrorKind::MalformedResponse: return u"malformed_response"_s;
    case ErrorKind::Network: return u"network"_s;
    case ErrorKind::Cancelled: return u"cancelled"_s;
    case ErrorKind::Refused: return u"refused"_s;
    case ErrorKind::Temporary: return u"temporary"_s;
    case ErrorKind::Disk: return u"disk"_s;
    case ErrorKind::Invalid: return u"invalid"_s;
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
