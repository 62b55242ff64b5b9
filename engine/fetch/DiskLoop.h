#pragma once

#include "Result.h"
#include "WorkerLoop.h"

#include <QSet>
#include <QString>

namespace loopscope {

// The thread where downloads touch the disk, so that no open, write, rename or remove ever
// stalls the worker loop or the GUI; one per scheduler, shared by all its downloads. It
// also remembers which final names this run has given out.
class DiskLoop {
public:
    DiskLoop();

    const WorkerLoop &loop() const { return m_loop; }

    // On the disk loop only. Moves a complete part file into folder under name, or under
    // "name (1).ext", "name (2).ext", … when the name is taken by an existing file (unless
    // overwrite) or by another download of this run (always). An existing file of an earlier
    // run that holds the same bytes is kept as it is, and the part dropped. Gives the name
    // used, or a Disk failure that names the path.
    Result<QString> place(const QString &partPath, const QString &folder, const QString &name, bool overwrite);

private:
    WorkerLoop m_loop;
    QSet<QString> m_placed; // final paths given out in this run; disk loop only
};

} // namespace loopscope
