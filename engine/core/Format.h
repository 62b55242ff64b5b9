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
// Outside text (a line of a list, a server's reply) as an error message shows it: control and
// invisible characters (ESC, CR, bidi overrides, zero-width spaces) written as escapes such as
// \x1b or \u{202e}, and cut after maxChars with an ellipsis, so that it can neither drive a
// terminal nor hide what it holds.
QString escaped(QStringView text, qsizetype maxChars = 80);
// The same in double quotes (a quote or backslash in it escaped too), followed by how long the
// text was if it had to be cut: "http://aaa…" (1,600 characters).
QString quoted(QStringView text, qsizetype maxChars = 80);
// Whether a person would not see the character as written: a control or format character.
bool isInvisible(char32_t c);

} // namespace loopscope
