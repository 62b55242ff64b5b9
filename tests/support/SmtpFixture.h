#pragma once
// The aiosmtpd servers that the ctest fixture in tests/smtp starts: where they listen and what
// they delivered. Each server stores every accepted message as mail/<server>/<n>.eml.
#include <QByteArray>
#include <QString>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace SmtpFixture {

QString dir();                       // LOOPSCOPE_SMTP_DIR
int port(const QString &server);     // 0 when the fixture is not running
QString caFile();                    // the test CA that signed the servers' certificates
QString url(const QString &server, const QString &user = {}); // smtp://[user@]127.0.0.1:PORT
QStringList delivered(const QString &server, const QString &suffix = u".eml"_s); // oldest first
QByteArray lastDelivered(const QString &server, const QString &suffix = u".eml"_s);
// The commands the server refused on purpose or left unanswered, oldest first: "RCPT TO:<ADDR> 451", …
QStringList refusals(const QString &server);

} // namespace SmtpFixture
