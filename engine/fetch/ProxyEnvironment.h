#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

namespace loopscope {

// The proxy a request goes through, chosen from the environment as curl chooses it unless one
// is given (--proxy, which then applies to every URL): https_proxy (or HTTPS_PROXY) for https,
// http_proxy for http — never HTTP_PROXY, which a CGI environment lets a client set — else
// all_proxy (ALL_PROXY); none when no_proxy (NO_PROXY) names the host ("*", the host itself,
// or a domain it is in). Chosen here rather than inside curl so that an error can name the proxy.
// Returns the proxy URL, or an empty string for a direct connection.
QString proxyFor(const QUrl &url, const QString &given, const QProcessEnvironment &environment);
// The same, with the process's environment as it was when first asked: reading it anew for
// each of a million requests would cost more than the requests.
QString proxyFor(const QUrl &url, const QString &given);

} // namespace loopscope
