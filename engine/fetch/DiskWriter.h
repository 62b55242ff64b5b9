#pragma once

#include "TaskRecord.h"
#include "Wakeup.h"

#include <QObject>
#include <QCoroTask>
#include <QTimer>
#include <QUrl>

#include <memory>
#include <vector>

namespace loopscope {

class DiskLoop;
struct DiskFile;

// Streams one download's body into a file in a folder, from the worker loop, without ever
// touching the file there: the open QFile lives on the disk loop, which receives the chunks
// in order as posted calls and reports back what it wrote. The body goes to
// ".NAME.part-<task>" first and takes its final name only once complete, so a failed or
// cancelled download leaves nothing behind. Only a process that dies mid-body leaves its part,
// with ".NAME.part-<task>.resume" beside it naming the URL and the validator (ETag or
// Last-Modified) the body came with: the next run of that task finds it and continues it.
// Lives on the worker thread; commit() or discard() must have finished before it is destroyed.
class DiskWriter : public QObject {
    Q_OBJECT
public:
    // The most bytes handed to the disk loop and not yet written: beyond it, the fetch stops
    // reading from the network until the disk catches up.
    static constexpr qint64 MaxUnwritten = 8 * 1024 * 1024;
    // Bytes are gathered into pieces of this size before they go to the disk loop: one post
    // and one write(2) per piece instead of per network read. A slow body is handed over
    // after FlushAfterMs all the same, so that its part on disk keeps up with it.
    static constexpr qsizetype PieceBytes = 512 * 1024;
    static constexpr int FlushAfterMs = 250;

    // source: the URL whose body this is, as the part it leaves records it.
    DiskWriter(DiskLoop &disk, const QString &folder, bool overwrite, TaskId task, const QUrl &source);
    ~DiskWriter() override;

    // A part an earlier run of this task left for the same URL, with a validator to ask for the
    // rest by (If-Range); 0 bytes when there is none. Parts of this task that cannot continue
    // are removed. Called, when at all, before start() or resume().
    struct Part {
        qint64 bytes = 0;
        QByteArray validator;
    };
    QCoro::Task<Part> findPart();

    bool isStarted() const { return m_started; }
    // Creates the part file for a body to be saved as name (a safe file name), in place of any
    // part found. A validator makes the part resumable should this process die.
    void start(const QString &name, const QByteArray &validator);
    // Appends to the part findPart() found: the response holds the rest of the same body.
    void resume();
    void write(QByteArrayView bytes);
    qint64 unwritten() const { return m_unwritten + m_piece.size(); }
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
    void flush(); // hands the gathered piece to the disk loop
    // Reports from the disk loop, in the order it sent them.
    void wrote(QByteArray piece, const QString &error);
    void closed(const QString &name, const QString &error);
    void found(const Part &part);

    DiskLoop &m_disk;
    QString m_folder;
    std::shared_ptr<DiskFile> m_file; // touched only on the disk loop
    bool m_started = false;
    qint64 m_unwritten = 0; // handed to the disk loop and not yet written
    QByteArray m_piece;     // gathered and not yet handed over
    static constexpr size_t MaxSpares = 4;
    std::vector<QByteArray> m_spares; // written pieces, emptied, to be filled again
    QTimer m_flushTimer;
    QString m_error;
    QString m_placedName;
    Wakeup m_closed;
    Wakeup m_found;
    Part m_part;
    bool m_open = false; // started and not yet closed
};

} // namespace loopscope
