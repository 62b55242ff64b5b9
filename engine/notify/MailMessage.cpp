#include "MailMessage.h"

#include "Format.h"

#include <QByteArrayView>
#include <QLocale>
#include <QStringView>
#include <QUuid>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
constexpr qsizetype MaxAddressLength = 254; // RFC 5321 4.5.3.1.3: a 256-octet path minus "<>"
constexpr qsizetype MaxHeaderLine = 78;     // RFC 5322 2.1.1
constexpr qsizetype MaxPlainWord = 60;      // longer words are encoded so they can be split
constexpr qsizetype EncodedWordBytes = 36;  // 48 base64 chars + 12 around: fits after "Subject: "
constexpr qsizetype MaxShortLine = 76;      // body lines up to this go 7bit; also the QP limit

bool isControl(QChar c)
{
    // Unicode line and paragraph separators end lines for some readers, so they count too.
    const auto category = c.category();
    return category == QChar::Other_Control || category == QChar::Separator_Line
        || category == QChar::Separator_Paragraph;
}

bool isAtext(QChar c)
{
    return c.unicode() < 128
        && (c.isLetterOrNumber() || QStringView(u"!#$%&'*+-/=?^_`{|}~").contains(c));
}

bool isDotAtom(QStringView text)
{
    return !text.isEmpty() && !text.startsWith(u'.') && !text.endsWith(u'.') && !text.contains(u"..")
        && std::all_of(text.begin(), text.end(), [](QChar c) { return isAtext(c) || c == u'.'; });
}

// The display name before "<addr>": one quoted string, or words without RFC 5322 specials.
std::optional<QString> displayName(const QString &raw)
{
    if (!raw.startsWith(u'"')) {
        if (std::any_of(raw.begin(), raw.end(), [](QChar c) { return QStringView(u"()<>[]:;@\\,\"").contains(c); }))
            return std::nullopt;
        return raw.simplified();
    }
    QString name;
    for (qsizetype i = 1; i < raw.size(); ++i) {
        if (raw[i] == u'"')
            return i + 1 == raw.size() ? std::optional(name) : std::nullopt;
        if (raw[i] == u'\\' && ++i == raw.size())
            break;
        name += raw[i];
    }
    return std::nullopt;
}

// Header text on one line: every control character, CR and LF included, becomes a space.
QString headerText(const QString &value)
{
    QString text = value;
    for (QChar &c : text) {
        if (isControl(c))
            c = u' ';
    }
    return text.simplified();
}

QByteArray addrSpec(const QString &address)
{
    QString out;
    for (const QChar c : address) {
        if (!isControl(c) && !c.isSpace())
            out += c;
    }
    return out.toUtf8();
}

// RFC 2047 B encoding, split between code points so every encoded-word is whole UTF-8.
QList<QByteArray> encodedWords(const QString &text)
{
    QList<QByteArray> words;
    QByteArray chunk;
    const auto flush = [&] {
        words.append("=?UTF-8?B?" + chunk.toBase64() + "?=");
        chunk.clear();
    };
    for (qsizetype i = 0; i < text.size();) {
        const qsizetype units = text[i].isHighSurrogate() && i + 1 < text.size() ? 2 : 1;
        const QByteArray piece = QStringView(text).sliced(i, units).toUtf8();
        if (chunk.size() + piece.size() > EncodedWordBytes)
            flush();
        chunk += piece;
        i += units;
    }
    if (!chunk.isEmpty())
        flush();
    return words;
}

// Header text as units to fold between: plain ASCII words where that is safe, else
// encoded-words. A phrase (display name) with specials is quoted.
QList<QByteArray> headerWords(const QString &text, bool phrase)
{
    if (text.isEmpty())
        return {};
    const bool plain = std::all_of(text.begin(), text.end(), [](QChar c) { return c >= u' ' && c <= u'~'; })
        && !text.contains(u"=?"); // would be decoded as an encoded-word
    if (plain) {
        QList<QByteArray> words = text.toLatin1().split(' ');
        if (phrase && !std::all_of(text.begin(), text.end(), [](QChar c) { return isAtext(c) || c == u' '; })) {
            QByteArray quoted = text.toLatin1();
            quoted.replace('\\', "\\\\").replace('"', "\\\"");
            words = {'"' + quoted + '"'};
        }
        if (std::all_of(words.begin(), words.end(), [](const QByteArray &w) { return w.size() <= MaxPlainWord; }))
            return words;
    }
    return encodedWords(text);
}

QByteArray headerField(const char *name, const QList<QByteArray> &words)
{
    QByteArray out = name;
    out += ':';
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i < words.size(); ++i) {
        if (i > 0 && out.size() - lineStart + 1 + words[i].size() > MaxHeaderLine) {
            out += "\r\n"; // the space below makes this a fold
            lineStart = out.size();
        }
        out += ' ';
        out += words[i];
    }
    return out + "\r\n";
}

QList<QByteArray> mailboxWords(const MailAddress &mailbox)
{
    const QByteArray address = addrSpec(mailbox.address);
    QList<QByteArray> words = headerWords(headerText(mailbox.name), true);
    if (words.isEmpty())
        return {address};
    words.append(QByteArray('<' + address + '>'));
    return words;
}

QByteArray rfc5322Date(const QDateTime &date)
{
    // The C locale keeps day and month names English whatever the user's locale is.
    const int offset = date.offsetFromUtc();
    const int minutes = qAbs(offset) / 60;
    return (QLocale::c().toString(date, u"ddd, dd MMM yyyy hh:mm:ss ") + (offset < 0 ? u'-' : u'+')
            + u"%1%2"_s.arg(minutes / 60, 2, 10, QLatin1Char('0')).arg(minutes % 60, 2, 10, QLatin1Char('0')))
        .toLatin1();
}

QByteArray messageIdDomain(const MailMessage &message)
{
    QString domain = message.messageIdDomain;
    if (domain.isEmpty())
        domain = message.from.address.mid(message.from.address.lastIndexOf(u'@') + 1);
    domain.removeIf([](QChar c) { return !isAtext(c) && c != u'.'; });
    return domain.isEmpty() ? QByteArray("localhost") : domain.toLatin1();
}

// Text split at CRLF, CR or LF; a final line break does not start another line.
QList<QByteArrayView> splitLines(QByteArrayView text)
{
    QList<QByteArrayView> lines;
    qsizetype start = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] != '\r' && text[i] != '\n')
            continue;
        lines.append(text.sliced(start, i - start));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
            ++i;
        start = i + 1;
    }
    if (start < text.size())
        lines.append(text.sliced(start));
    return lines;
}

bool is7bit(QByteArrayView line)
{
    return line.size() <= MaxShortLine
        && std::all_of(line.begin(), line.end(), [](char c) { return (c >= ' ' && c <= '~') || c == '\t'; });
}

// RFC 2045 6.7: output lines of at most 76 characters, soft breaks as "=" CRLF.
void appendQuotedPrintable(QByteArray &out, QByteArrayView line)
{
    qsizetype column = 0;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const auto c = uchar(line[i]);
        const bool last = i + 1 == line.size();
        // White space at the end of a line would be stripped in transit, so it is encoded.
        const bool literal = (c > ' ' && c <= '~' && c != '=') || ((c == ' ' || c == '\t') && !last);
        const qsizetype width = literal ? 1 : 3;
        // Leave room for the soft break's '=' unless nothing follows on this line.
        if (column + width > (last ? MaxShortLine : MaxShortLine - 1)) {
            out += "=\r\n";
            column = 0;
        }
        if (literal) {
            out += char(c);
        } else {
            out += '=';
            out += "0123456789ABCDEF"[c >> 4];
            out += "0123456789ABCDEF"[c & 15];
        }
        column += width;
    }
    out += "\r\n";
}
} // namespace

Result<MailAddress> parseMailAddress(const QString &text)
{
    const auto fail = [](const QString &why) { return Failure{ErrorKind::Invalid, why}; };
    if (std::any_of(text.begin(), text.end(), isControl))
        return fail(u"address contains a line break or control character"_s);
    const QString s = text.trimmed();
    if (s.isEmpty())
        return fail(u"empty address"_s);

    // Outside quoted strings, '@', ',' and ';' tell how many addresses there are, '<' and '>' where.
    qsizetype ats = 0, separators = 0, opens = 0, closes = 0, open = -1;
    bool inQuotes = false;
    for (qsizetype i = 0; i < s.size(); ++i) {
        const QChar c = s[i];
        if (inQuotes) {
            if (c == u'\\')
                ++i;
            else if (c == u'"')
                inQuotes = false;
        } else if (c == u'"') {
            inQuotes = true;
        } else if (c == u'@') {
            ++ats;
        } else if (c == u',' || c == u';') {
            ++separators;
        } else if (c == u'<') {
            ++opens;
            open = i;
        } else if (c == u'>') {
            ++closes;
        }
    }
    if (inQuotes)
        return fail(u"unbalanced quotes"_s);
    if (ats > 1 || separators > 0)
        return fail(u"more than one address"_s);
    if (ats == 0)
        return fail(u"address has no '@'"_s);

    MailAddress result;
    QString address = s;
    if (opens > 0 || closes > 0) {
        if (opens != 1 || closes != 1 || !s.endsWith(u'>'))
            return fail(u"misplaced angle brackets"_s);
        address = s.mid(open + 1, s.size() - open - 2);
        const std::optional<QString> name = displayName(s.left(open).trimmed());
        if (!name)
            return fail(u"display name needs quotes"_s);
        result.name = *name;
    }
    if (address.size() > MaxAddressLength)
        return fail(u"address longer than %1 characters"_s.arg(MaxAddressLength));
    if (std::any_of(address.begin(), address.end(), [](QChar c) { return c.isSpace(); }))
        return fail(u"address contains white space"_s);
    const qsizetype at = address.indexOf(u'@');
    if (!isDotAtom(QStringView(address).left(at)) || !isDotAtom(QStringView(address).sliced(at + 1)))
        return fail(u"not a plain address: %1"_s.arg(quoted(address)));
    result.address = address;
    return result;
}

QByteArray composeMessage(const MailMessage &message)
{
    QList<QByteArray> recipients;
    for (const MailAddress &to : message.to) {
        if (!recipients.isEmpty())
            recipients.last() += ',';
        recipients.append(mailboxWords(to));
    }
    const QByteArray body = message.body.toUtf8();
    const QList<QByteArrayView> lines = splitLines(body);
    const bool sevenBit = std::all_of(lines.begin(), lines.end(), is7bit);

    QByteArray out;
    out += "Date: " + rfc5322Date(message.date.isValid() ? message.date : QDateTime::currentDateTime()) + "\r\n";
    out += "Message-ID: <" + QUuid::createUuid().toByteArray(QUuid::Id128) + '@' + messageIdDomain(message) + ">\r\n";
    out += headerField("From", mailboxWords(message.from));
    if (!recipients.isEmpty()) // an empty To is a syntax error; Bcc-only mail has none
        out += headerField("To", recipients);
    out += headerField("Subject", headerWords(headerText(message.subject), false));
    out += "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=UTF-8\r\n";
    out += sevenBit ? "Content-Transfer-Encoding: 7bit\r\n\r\n" : "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    for (const QByteArrayView line : lines) {
        if (sevenBit)
            out += line + "\r\n";
        else
            appendQuotedPrintable(out, line);
    }
    return out;
}

QByteArray dotStuff(const QByteArray &crlfText)
{
    QByteArray out;
    out.reserve(crlfText.size() + crlfText.size() / 32 + 2);
    for (const QByteArrayView line : splitLines(crlfText)) {
        if (line.startsWith('.'))
            out += '.';
        out += line;
        out += "\r\n";
    }
    return out;
}

} // namespace loopscope
