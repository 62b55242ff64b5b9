#include "TaskWriter.h"

#include <QFileDevice>
#include <QJsonDocument>

namespace loopscope {

std::optional<TaskWriter::Format> TaskWriter::formatNamed(const QString &name)
{
    if (name == u"jsonl")
        return Format::Jsonl;
    if (name == u"csv")
        return Format::Csv;
    return std::nullopt;
}

TaskWriter::TaskWriter(QIODevice &out, Format format)
    : m_out(out)
    , m_format(format)
{
    if (m_format == Format::Csv)
        writeLine(TaskRow::csvHeader().toUtf8() + "\r\n"); // RFC 4180 line ends
}

bool TaskWriter::write(const TaskRow &row)
{
    const QByteArray line = m_format == Format::Csv ? QByteArray(row.toCsv().toUtf8() + "\r\n")
                                                    : QByteArray(QJsonDocument(row.toJson()).toJson(QJsonDocument::Compact) + '\n');
    const bool ok = writeLine(line);
    m_written += ok ? 1 : 0;
    return ok;
}

bool TaskWriter::writeLine(const QByteArray &line)
{
    const bool ok = m_out.write(line) == line.size();
    if (auto *file = qobject_cast<QFileDevice *>(&m_out))
        file->flush();
    return ok;
}

} // namespace loopscope
