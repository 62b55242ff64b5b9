#include "Format.h"

#include <QLocale>

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

} // namespace loopscope
