#include "DiskLoop.h"

#include "FileNames.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace {
bool sameContents(const QString &a, const QString &b)
{
    QFile first(a);
    QFile second(b);
    if (first.size() != second.size() || !first.open(QIODevice::ReadOnly) || !second.open(QIODevice::ReadOnly))
        return false;
    constexpr qint64 Piece = 1 << 20;
    while (!first.atEnd()) {
        if (first.read(Piece) != second.read(Piece))
            return false;
    }
    return true;
}
} // namespace

DiskLoop::DiskLoop()
    : m_loop(u"loopscope disk"_s)
{
}

Result<QString> DiskLoop::place(const QString &partPath, const QString &folder, const QString &name, bool overwrite)
{
    Q_ASSERT(m_loop.isCurrent());
    for (int n = 0;; ++n) {
        const QString candidate = n == 0 ? name : numberedFileName(name, n);
        const QString path = folder + u'/' + candidate;
        if (m_placed.contains(path))
            continue;
        const QFileInfo existing(path);
        const bool taken = existing.exists() || existing.isSymLink();
        // The same body under the same name is kept once: so it is when a process died after
        // saving a body and before recording it, and its resume fetched the body again.
        if (taken && !overwrite && existing.isFile() && !existing.isSymLink() && sameContents(partPath, path)) {
            QFile::remove(partPath);
            m_placed.insert(path);
            return candidate;
        }
        if (taken && (!overwrite || existing.isDir()))
            continue;
        if (overwrite) {
            // rename(2) replaces the old file in one step: no moment without either.
            if (std::rename(QFile::encodeName(partPath).constData(), QFile::encodeName(path).constData()) != 0)
                return Failure{ErrorKind::Disk, u"cannot save %1: %2"_s.arg(path, qt_error_string(errno))};
        } else if (QFile part(partPath); !part.rename(path)) {
            // Qt never replaces here; someone may have taken the name since it was checked.
            if (QFileInfo(path).exists())
                continue;
            return Failure{ErrorKind::Disk, u"cannot save %1: %2"_s.arg(path, part.errorString())};
        }
        m_placed.insert(path);
        return candidate;
    }
}

} // namespace loopscope
