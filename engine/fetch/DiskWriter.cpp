#include "DiskWriter.h"

#include "DiskLoop.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace loopscope {

// One download's file as the disk loop sees it; touched only there.
struct DiskFile {
    DiskLoop *disk;
    QString folder; // as given
    bool overwrite;
    TaskId task;
    QByteArray source; // the URL, as a part's .resume file records it
    QString name;
    QString canonicalFolder;
    QString partPath;
    std::unique_ptr<QFile> file;
    QString error; // the first thing that went wrong
    QString foundPath; // a part an earlier run left, while it may still be continued
    QString foundName;

    QString target() const { return QDir(folder).filePath(name); } // the file as the user will look for it
    QString suffix() const { return u".part-"_s + QString::number(task); }
    static QString resumeFileOf(const QString &part) { return part + u".resume"_s; }

    // The parts of this task in the folder: the one that can go on, if any, is kept.
    DiskWriter::Part find()
    {
        canonicalFolder = QFileInfo(folder).canonicalFilePath();
        if (canonicalFolder.isEmpty())
            return {};
        DiskWriter::Part part;
        const QDir dir(canonicalFolder);
        for (const QString &entry : dir.entryList({u".*"_s + suffix()}, QDir::Files | QDir::Hidden | QDir::NoSymLinks)) {
            const QString path = dir.filePath(entry);
            QFile resume(resumeFileOf(path));
            QList<QByteArray> lines;
            if (resume.size() < 64 * 1024 && resume.open(QIODevice::ReadOnly))
                lines = resume.readAll().split('\n');
            const qint64 bytes = QFileInfo(path).size();
            if (foundPath.isEmpty() && lines.size() >= 2 && lines[0] == source && !lines[1].isEmpty() && bytes > 0) {
                foundPath = path;
                foundName = entry.sliced(1, entry.size() - 1 - suffix().size());
                part = {bytes, lines[1]};
            } else {
                removeWithResumeFile(path);
            }
        }
        return part;
    }

    static void removeWithResumeFile(const QString &part)
    {
        QFile::remove(part);
        QFile::remove(resumeFileOf(part));
    }

    // What a later run needs to continue this part; without a validator it cannot ask for the rest.
    void writeResumeFile(const QByteArray &validator)
    {
        if (validator.isEmpty())
            return;
        QFile resume(resumeFileOf(partPath));
        if (resume.open(QIODevice::WriteOnly | QIODevice::Truncate))
            resume.write(source + '\n' + validator + '\n');
    }

    void open(const QByteArray &validator)
    {
        if (!foundPath.isEmpty()) { // the response starts the body anew
            removeWithResumeFile(foundPath);
            foundPath.clear();
        }
        if (!QDir().mkpath(folder)) {
            error = u"cannot create the folder %1"_s.arg(folder);
            return;
        }
        canonicalFolder = QFileInfo(folder).canonicalFilePath();
        const QString part = canonicalFolder + u"/."_s + name + suffix();
        // A safe name holds no separator and starts with no dot, so this always stays inside
        // the folder; checked all the same, as nothing may ever be written outside it.
        if (canonicalFolder.isEmpty() || QFileInfo(QDir::cleanPath(part)).path() != canonicalFolder) {
            error = u"refusing to save \"%1\" outside the folder %2"_s.arg(name, folder);
            return;
        }
        partPath = part;
        removeWithResumeFile(partPath); // left by a run that died
        file = std::make_unique<QFile>(partPath);
        // NewOnly creates the file or fails: it never follows a link planted under that name.
        if (!file->open(QIODevice::WriteOnly | QIODevice::NewOnly | QIODevice::Unbuffered)) {
            error = u"cannot create %1: %2"_s.arg(partPath, file->errorString());
            file.reset();
            return;
        }
        writeResumeFile(validator);
    }

    // find() listed the part without following links; it is appended to as it is.
    void reopen()
    {
        name = foundName;
        partPath = foundPath;
        foundPath.clear();
        file = std::make_unique<QFile>(partPath);
        if (!file->open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered)) {
            error = u"cannot open %1: %2"_s.arg(partPath, file->errorString());
            file.reset();
        }
    }

    void write(const QByteArray &chunk)
    {
        // A short write sets no error on the file; writing the rest tells why the disk took no more.
        for (qsizetype written = 0; file && written < chunk.size();) {
            const qint64 now = file->write(chunk.constData() + written, chunk.size() - written);
            if (now <= 0)
                fail(writeError());
            else
                written += now;
        }
    }

    QString writeError() const
    {
        if (file->error() == QFileDevice::ResourceError) // what Qt makes of ENOSPC
            return u"disk full: cannot write %1"_s.arg(target());
        return u"cannot write %1: %2"_s.arg(target(), file->errorString());
    }

    void fail(const QString &why)
    {
        error = why;
        removePart();
    }

    void removePart()
    {
        if (!foundPath.isEmpty()) { // found, then not used: the response was no body to add to
            removeWithResumeFile(foundPath);
            foundPath.clear();
        }
        if (!file)
            return;
        file->close();
        file.reset();
        removeWithResumeFile(partPath);
    }

    // Keeps the complete body under its final name; returns the name used, or an empty
    // string with error set.
    QString keep()
    {
        if (!file)
            return {};
        file->close();
        if (file->error() != QFileDevice::NoError) {
            fail(writeError());
            return {};
        }
        file.reset();
        QFile::remove(resumeFileOf(partPath));
        Result<QString> placed = disk->place(partPath, canonicalFolder, name, overwrite);
        if (!placed) {
            error = placed.error();
            QFile::remove(partPath);
            return {};
        }
        return std::move(placed).value();
    }
};

DiskWriter::DiskWriter(DiskLoop &disk, const QString &folder, bool overwrite, TaskId task, const QUrl &source)
    : m_disk(disk)
    , m_folder(folder)
    , m_file(std::make_shared<DiskFile>(DiskFile{&disk, folder, overwrite, task, source.toEncoded(), {}, {}, {}, {}, {}, {}, {}}))
{
    m_flushTimer.setSingleShot(true);
    connect(&m_flushTimer, &QTimer::timeout, this, &DiskWriter::flush);
}

QCoro::Task<DiskWriter::Part> DiskWriter::findPart()
{
    Q_ASSERT(!m_started);
    m_disk.loop().post([file = m_file, writer = Recipient(this)] {
        const Part part = file->find();
        writer.call([part](DiskWriter &self) { self.found(part); });
    });
    co_await m_found.next();
    co_return m_part;
}

void DiskWriter::found(const Part &part)
{
    m_part = part;
    m_open = m_part.bytes > 0; // discard() must remove it if it is not continued
    m_found.fire();
}

DiskWriter::~DiskWriter()
{
    Q_ASSERT(!m_open); // or the disk loop could still report to a writer that is gone
}

void DiskWriter::start(const QString &name, const QByteArray &validator)
{
    Q_ASSERT(!m_started);
    m_started = m_open = true;
    m_disk.loop().post([file = m_file, name, validator, writer = Recipient(this)] {
        file->name = name;
        file->open(validator);
        if (!file->error.isEmpty())
            writer.call([error = file->error](DiskWriter &self) { self.wrote({}, error); });
    });
}

void DiskWriter::resume()
{
    Q_ASSERT(!m_started && m_part.bytes > 0);
    m_started = m_open = true;
    m_disk.loop().post([file = m_file, writer = Recipient(this)] {
        file->reopen();
        if (!file->error.isEmpty())
            writer.call([error = file->error](DiskWriter &self) { self.wrote({}, error); });
    });
}

void DiskWriter::write(QByteArrayView bytes)
{
    Q_ASSERT(m_open);
    if (m_piece.isEmpty()) {
        if (!m_spares.empty()) {
            m_piece = std::move(m_spares.back());
            m_spares.pop_back();
        }
        m_piece.reserve(PieceBytes);
        m_flushTimer.start(FlushAfterMs);
    }
    m_piece.append(bytes);
    if (m_piece.size() >= PieceBytes)
        flush();
}

void DiskWriter::flush()
{
    m_flushTimer.stop();
    if (m_piece.isEmpty())
        return;
    m_unwritten += m_piece.size();
    // Moved, not shared: the piece must come back unshared to be filled again in place.
    m_disk.loop().post([file = m_file, chunk = std::exchange(m_piece, {}), writer = Recipient(this)]() mutable {
        const bool failedBefore = !file->error.isEmpty();
        file->write(chunk);
        const QString error = failedBefore ? QString() : file->error; // reported once
        // The piece goes back to be filled again: a fresh one of this size would come from
        // mmap and cost a page fault per page as it fills.
        writer.call([chunk = std::move(chunk), error](DiskWriter &self) mutable { self.wrote(std::move(chunk), error); });
    });
}

void DiskWriter::wrote(QByteArray piece, const QString &error)
{
    m_unwritten -= piece.size();
    if (piece.capacity() >= PieceBytes && m_spares.size() < MaxSpares) {
        piece.resize(0); // keeps its capacity
        m_spares.push_back(std::move(piece));
    }
    if (m_error.isEmpty())
        m_error = error;
    Q_EMIT progressed();
}

void DiskWriter::closed(const QString &name, const QString &error)
{
    m_open = false;
    m_placedName = name;
    if (m_error.isEmpty())
        m_error = error;
    m_closed.fire();
}

QCoro::Task<QString> DiskWriter::commit()
{
    Q_ASSERT(m_open);
    flush();
    m_disk.loop().post([file = m_file, writer = Recipient(this)] {
        const QString name = file->keep();
        writer.call([name, error = file->error](DiskWriter &self) { self.closed(name, error); });
    });
    co_await m_closed.next();
    if (m_placedName.isEmpty())
        co_return QString();
    co_return QDir(m_folder).filePath(m_placedName);
}

QCoro::Task<> DiskWriter::discard()
{
    m_flushTimer.stop();
    m_piece.clear();
    if (!m_open)
        co_return;
    m_disk.loop().post([file = m_file, writer = Recipient(this)] {
        file->removePart();
        writer.call([](DiskWriter &self) { self.closed({}, {}); });
    });
    co_await m_closed.next();
}

} // namespace loopscope
