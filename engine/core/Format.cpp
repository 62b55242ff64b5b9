#include "Format.h"

#include <QLocale>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace loopscope {

QString formatSeconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 1) + u" s"_s;
}

QString formatBytes(qint64 bytes)
{
    if (bytes < 1024)
        return QString::number(bytes) + u" B"_s;
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

QString formatNumber(qint64 value)
{
    return QLocale(QLocale::English, QLocale::UnitedStates).toString(value);
}

QString formatGain(double gain)
{
    return QString::number(gain, 'f', 1) + u'\u00d7';
}

QString formatGainAscii(double gain)
{
    return QString::number(gain, 'f', 1) + u'x';
}

QString countOf(qsizetype count, const QString &one, const QString &many)
{
    return QString::number(count) + u' ' + (count == 1 ? one : many);
}

bool isInvisible(char32_t c)
{
    switch (QChar::category(c)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Other_Surrogate:
    case QChar::Other_NotAssigned:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return true;
    default:
        return false;
    }
}

namespace {
// The text with its invisible characters written as escapes (and the quote and backslash too,
// when it is to be quoted), cut after maxChars; how far it got, in UTF-16 units.
qsizetype appendEscaped(QString &out, QStringView text, qsizetype maxChars, bool forQuotes)
{
    qsizetype at = 0;
    for (qsizetype shown = 0; at < text.size() && shown < maxChars; ++shown) {
        const qsizetype from = at;
        char32_t c = text[at++].unicode();
        if (QChar::isHighSurrogate(c) && at < text.size() && text[at].isLowSurrogate())
            c = QChar::surrogateToUcs4(char16_t(c), text[at++].unicode());
        if (forQuotes && (c == u'"' || c == u'\\'))
            out += u'\\' + QChar(c);
        else if (c < 0x80 && isInvisible(c))
            out += u"\\x"_s + QString::number(uint(c), 16).rightJustified(2, u'0');
        else if (isInvisible(c))
            out += u"\\u{"_s + QString::number(uint(c), 16) + u'}';
        else
            out += text.sliced(from, at - from);
    }
    return at;
}
} // namespace

QString escaped(QStringView text, qsizetype maxChars)
{
    QString out;
    out.reserve(std::min(text.size(), maxChars) + 2);
    if (appendEscaped(out, text, maxChars, false) < text.size())
        out += u'\u2026';
    return out;
}

QString quoted(QStringView text, qsizetype maxChars)
{
    QString out;
    out.reserve(std::min(text.size(), maxChars) + 8);
    out += u'"';
    const bool cut = appendEscaped(out, text, maxChars, true) < text.size();
    out += cut ? u"\u2026\" ("_s + formatNumber(text.size()) + u" characters)"_s : u"\""_s;
    return out;
}

} // namespace loopscope
