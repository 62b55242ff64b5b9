#include "FileNames.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
// A quoted-string's content, backslash escapes undone; pos ends after the closing quote.
QByteArray quotedString(const QByteArray &text, qsizetype &pos)
{
    QByteArray value;
    for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
        if (text[pos] == '\\' && pos + 1 < text.size())
            ++pos;
        value += text[pos];
    }
    ++pos;
    return value;
}

// RFC 5987 ext-value: charset'language'percent-encoded.
QString extValue(const QByteArray &value)
{
    const QList<QByteArray> parts = value.split('\'');
    if (parts.size() != 3)
        return {};
    const QByteArray charset = parts[0].trimmed().toLower();
    const QByteArray bytes = QByteArray::fromPercentEncoding(parts[2]);
    if (charset == "utf-8")
        return QString::fromUtf8(bytes);
    if (charset == "iso-8859-1")
        return QString::fromLatin1(bytes);
    return {};
}

bool unwanted(QChar c)
{
    // Control characters, and format characters such as the right-to-left override that
    // disguises "exe.txt" as "txt.exe".
    return c.category() == QChar::Other_Control || c.category() == QChar::Other_Format;
}

bool unsafe(QChar c)
{
    return QStringView(u"<>:\"|?*").contains(c);
}

// At most maxBytes of UTF-8, cut between characters.
QString utf8Prefix(const QString &text, qsizetype maxBytes)
{
    QString kept;
    qsizetype bytes = 0;
    for (qsizetype i = 0; i < text.size();) {
        const qsizetype length = text[i].isHighSurrogate() && i + 1 < text.size() ? 2 : 1;
        const QStringView character = QStringView(text).mid(i, length);
        const qsizetype size = character.toUtf8().size();
        if (bytes + size > maxBytes)
            break;
        kept += character;
        bytes += size;
        i += length;
    }
    return kept;
}

// "report.pdf" -> {"report", ".pdf"}; a long or missing suffix is no extension.
std::pair<QString, QString> splitExtension(const QString &name)
{
    const qsizetype dot = name.lastIndexOf(u'.');
    if (dot <= 0 || name.size() - dot > 16)
        return {name, {}};
    return {name.left(dot), name.mid(dot)};
}
} // namespace

QString contentDispositionFileName(const QByteArray &header)
{
    QString plain;
    QString extended;
    qsizetype pos = header.indexOf(';');
    while (pos >= 0 && pos < header.size()) {
        ++pos; // past the ';'
        const qsizetype equals = header.indexOf('=', pos);
        if (equals < 0)
            break;
        const QByteArray name = header.mid(pos, equals - pos).trimmed().toLower();
        pos = equals + 1;
        while (pos < header.size() && header[pos] == ' ')
            ++pos;
        QByteArray value;
        if (pos < header.size() && header[pos] == '"') {
            value = quotedString(header, pos);
        } else {
            const qsizetype end = header.indexOf(';', pos);
            value = header.mid(pos, end < 0 ? -1 : end - pos).trimmed();
            pos = end < 0 ? header.size() : end;
        }
        if (name == "filename*")
            extended = extValue(value);
        else if (name == "filename")
            plain = QString::fromUtf8(value);
        pos = header.indexOf(';', pos);
    }
    return extended.isEmpty() ? plain : extended;
}

QString safeFileName(const QString &name)
{
    const qsizetype separator = std::max(name.lastIndexOf(u'/'), name.lastIndexOf(u'\\'));
    QString safe;
    for (const QChar c : QStringView(name).mid(separator + 1)) {
        if (!unwanted(c))
            safe += unsafe(c) ? u'_' : c;
    }
    // Dots and white space in any mix: ". .bashrc" would otherwise come out hidden, ". .." as "..".
    qsizetype start = 0;
    while (start < safe.size() && (safe[start] == u'.' || safe[start].isSpace()))
        ++start;
    safe = safe.mid(start).trimmed();
    if (safe.toUtf8().size() > MaxFileNameBytes) {
        const auto [base, extension] = splitExtension(safe);
        safe = utf8Prefix(base, MaxFileNameBytes - extension.toUtf8().size()).trimmed() + extension;
    }
    return safe;
}

QString downloadFileName(const QByteArray &contentDisposition, const QUrl &finalUrl)
{
    if (const QString fromHeader = safeFileName(contentDispositionFileName(contentDisposition)); !fromHeader.isEmpty())
        return fromHeader;
    const QString path = finalUrl.path(QUrl::FullyEncoded);
    const QString segment = path.mid(path.lastIndexOf(u'/') + 1);
    if (const QString fromUrl = safeFileName(QUrl::fromPercentEncoding(segment.toLatin1())); !fromUrl.isEmpty())
        return fromUrl;
    return u"index.html"_s;
}

QString numberedFileName(const QString &name, int n)
{
    const auto [base, extension] = splitExtension(name);
    const QString suffix = u" (%1)"_s.arg(n);
    // Still within the limit with the number added.
    return utf8Prefix(base, MaxFileNameBytes - extension.toUtf8().size() - suffix.size()) + suffix + extension;
}

} // namespace loopscope
