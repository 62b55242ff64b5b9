#pragma once

#include "TaskRecord.h"
#include "Wakeup.h"

#include <QObject>
#include <QCoroTask>

#include <memory>

namespace loopscope {

class DiskLoop;
struct DiskFile;

// Streams one download's body into a file in a folder, from the worker loop, without ever
// touching the file there: the open QFile lives on the disk loop, which receives the chunks
// in order as posted calls and reports back what it wrote. The body goes to
// ".NAME.part-<task>" first and takes its final name only once complete, so a failed or
// cancelled download leaves nothing behind. Lives on the worker thread; commit() or
// discard() must have finished before it is destroyed.
class DiskWriter : public QObject {
    Q_OBJECT
public:
    // The most bytes handed to the disk loop and not yet written: beyond it, the fetch stops
    // reading from the network until the disk catches up.
    static constexpr qint64 MaxUnwritten = 8 * 1024 * 1024;

    DiskWriter(DiskLoop &disk, const QString &folder, bool overwrite, TaskId task);
    ~DiskWriter() override;

    bool isStarted() const { return m_started; }
    // Creates the part file for a body to be saved as name (a safe file name).
    void start(const QString &name);
    void write(const QByteArray &chunk);
    qint64 unwritten() const { return m_unwritten; }
    bool hasFailed() const { return !m_error.isEmpty(); }
    QString error() const { return m_error; }

    // Flushes and closes the file and gives it its final name; returns its path (the folder
    // as given, joined with the name used), or an empty string with error() saying why.
    QCoro::Task<QString> commit();
    // Closes and removes the part file, if there is one.
    QCoro::Task<> discard();

Q_SIGNALS:
    // Some of the unwritten bytes reached the disk, or writing failed.
    void progressed();

private:
    // Reports from the disk loop, in the order it sent them.
    void wrote(qint64 bytes, const QString &error);
    void closed(const QString &name, const QString &error);

    DiskLoop &m_disk;
    QString m_folder;
    std::shared_ptr<DiskFile> m_file; // touched only on the disk loop
    bool m_started = false;
    qint64 m_unwritten = 0;
    QString m_error;
    QString m_placedName;
    Wakeup m_closed;
    bool m_open = false; // started and not yet closed
};

} // namespace loopscope
