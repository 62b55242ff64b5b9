#pragma once

#include "TaskRow.h"

#include <QIODevice>

#include <optional>

namespace loopscope {

// Writes task rows as JSON Lines or CSV (its header line at once), one line per task,
// flushed as it goes so a reader (or a crash) sees every finished line.
class TaskWriter {
public:
    enum class Format { Jsonl, Csv };
    static std::optional<Format> formatNamed(const QString &name); // "jsonl", "csv"

    TaskWriter(QIODevice &out, Format format);
    bool write(const TaskRow &row); // false when the device refused it
    int written() const { return m_written; }

private:
    bool writeLine(const QByteArray &line);

    QIODevice &m_out;
    Format m_format;
    int m_written = 0;
};

} // namespace loopscope
