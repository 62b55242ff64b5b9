#pragma once

#include <QString>

namespace loopscope {

// The way durations, sizes and gains read everywhere: the CLI and the window alike.
QString formatSeconds(qint64 ms);  // "0.3 s"
QString formatBytes(qint64 bytes); // "6 B", "1.5 KiB"
QString formatNumber(qint64 value); // "1,024": with group separators, as error texts write counts
QString formatGain(double gain);      // "1.9×"
QString formatGainAscii(double gain); // "1.9x", for terminals
// "1 line", "2 lines": the count with the noun in its English number.
QString countOf(qsizetype count, const QString &one, const QString &many);

} // namespace loopscope
