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
    QString name;
    QString canonicalFolder;
    QString partPath;
    std::unique_ptr<QFile> file;
    QString error; // the first thing that went wrong

    QString target() const { return QDir(folder).filePath(name); } // the file as the user will look for it

    void open()
    {
        if (!QDir().mkpath(folder)) {
            error = u"cannot create the folder %1"_s.arg(folder);
            return;
        }
        canonicalFolder = QFileInfo(folder).canonicalFilePath();
        const QString part = canonicalFolder + u"/."_s + name + u".part-"_s + QString::number(task);
        // A safe name holds no separator and starts with no dot, so this always stays inside
        // the folder; checked all the same, as nothing may ever be written outside it.
        if (canonicalFolder.isEmpty() || QFileInfo(QDir::cleanPath(part)).path() != canonicalFolder) {
            error = u"refusing to save \"%1\" outside the folder %2"_s.arg(name, folder);
            return;
        }
        partPath = part;
        QFile::remove(partPath); // left by a run that died
        file = std::make_unique<QFile>(partPath);
        // NewOnly creates the file or fails: it never follows a link planted under that name.
        if (!file->open(QIODevice::WriteOnly | QIODevice::NewOnly | QIODevice::Unbuffered)) {
            error = u"cannot create %1: %2"_s.arg(partPath, file->errorString());
            file.reset();
        }
    }

    void write(const QByteArray &chunk)
    {
        if (file && file->write(chunk) != chunk.size())
            fail(u"cannot write %1: %2"_s.arg(target(), file->errorString()));
    }

    void fail(const QString &why)
    {
        error = why;
        removePart();
    }

    void removePart()
    {
        if (!file)
            return;
        file->close();
        file.reset();
        QFile::remove(partPath);
    }

    // Keeps the complete body under its final name; returns the name used, or an empty
    // string with error set.
    QString keep()
    {
        if (!file)
            return {};
        file->close();
        if (file->error() != QFileDevice::NoError) {
            fail(u"cannot write %1: %2"_s.arg(target(), file->errorString()));
            return {};
        }
        file.reset();
        const QString placed = disk->place(partPath, canonicalFolder, name, overwrite, &error);
        if (placed.isEmpty())
            QFile::remove(partPath);
        return placed;
    }
};

DiskWriter::DiskWriter(DiskLoop &disk, const QString &folder, bool overwrite, TaskId task)
    : m_disk(disk)
    , m_folder(folder)
    , m_file(std::make_shared<DiskFile>(DiskFile{&disk, folder, overwrite, task, {}, {}, {}, {}, {}}))
{
}

DiskWriter::~DiskWriter()
{
    Q_ASSERT(!m_open); // or the disk loop could still report to a writer that is gone
}

void DiskWriter::start(const QString &name)
{
    Q_ASSERT(!m_started);
    m_started = m_open = true;
    m_disk.loop().post([file = m_file, name, self = this] {
        file->name = name;
        file->open();
        if (!file->error.isEmpty())
            QMetaObject::invokeMethod(self, [self, error = file->error] { self->wrote(0, error); }, Qt::QueuedConnection);
    });
}

void DiskWriter::write(const QByteArray &chunk)
{
    Q_ASSERT(m_open);
    m_unwritten += chunk.size();
    m_disk.loop().post([file = m_file, chunk, self = this] {
        const bool failedBefore = !file->error.isEmpty();
        file->write(chunk);
        const QString error = failedBefore ? QString() : file->error; // reported once
        QMetaObject::invokeMethod(self, [self, bytes = chunk.size(), error] { self->wrote(bytes, error); }, Qt::QueuedConnection);
    });
}

void DiskWriter::wrote(qint64 bytes, const QString &error)
{
    m_unwritten -= bytes;
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
    m_disk.loop().post([file = m_file, self = this] {
        const QString name = file->keep();
        QMetaObject::invokeMethod(self, [self, name, error = file->error] { self->closed(name, error); }, Qt::QueuedConnection);
    });
    co_await m_closed.next();
    if (m_placedName.isEmpty())
        co_return QString();
    co_return QDir(m_folder).filePath(m_placedName);
}

QCoro::Task<> DiskWriter::discard()
{
    if (!m_open)
        co_return;
    m_disk.loop().post([file = m_file, self = this] {
        file->removePart();
        QMetaObject::invokeMethod(self, [self] { self->closed({}, {}); }, Qt::QueuedConnection);
    });
    co_await m_closed.next();
}

} // namespace loopscope
