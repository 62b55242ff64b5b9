#include "PasswordStore.h"

#include <qt6keychain/keychain.h>
#include "Wakeup.h"

#include <memory>

using namespace Qt::StringLiterals;

namespace loopscope {

namespace PasswordStore {

namespace {
const QString Service = u"loopscope"_s;

// Runs a job to its end. Auto-deletion is off, so the job outlives its finished() signal;
// the wakeup is connected before start(), which may finish at once when no keychain exists.
QCoro::Task<Result<>> run(QKeychain::Job &job)
{
    job.setAutoDelete(false);
    Wakeup finished;
    QObject::connect(&job, &QKeychain::Job::finished, &finished, &Wakeup::fire);
    job.start();
    co_await finished.next();
    switch (job.error()) {
    case QKeychain::NoError:
    case QKeychain::EntryNotFound: // a keychain that has no password for us yet
        co_return {};
    default:
        // Without a session bus the backends only say "Unknown error"; name what is missing.
        co_return Failure{ErrorKind::Refused, job.error() == QKeychain::NoBackendAvailable || job.errorString() == u"Unknown error"
                                                  ? QObject::tr("no Secret Service or KWallet answered")
                                                  : job.errorString()};
    }
}
} // namespace

QCoro::Task<Result<QString>> read(const QString &account)
{
    QKeychain::ReadPasswordJob job(Service);
    job.setKey(account);
    const Result<> done = co_await run(job);
    if (!done)
        co_return done.failure();
    co_return job.textData();
}

QCoro::Task<Result<>> write(const QString &account, const QString &password)
{
    QKeychain::WritePasswordJob job(Service);
    job.setKey(account);
    job.setTextData(password);
    co_return co_await run(job);
}

} // namespace PasswordStore

} // namespace loopscope
