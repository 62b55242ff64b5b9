#pragma once

#include "Result.h"

#include <QString>
#include <QCoroTask>

namespace loopscope {

// The SMTP password in the system keychain (QtKeychain), never in the settings file.
// Where no keychain service answers, the caller keeps the password for this run only.
namespace PasswordStore {

// Both fail (ErrorKind::Refused) when no keychain service answers, saying why. A keychain
// that holds no password for the account yet gives an empty one.
QCoro::Task<Result<QString>> read(const QString &account);
QCoro::Task<Result<>> write(const QString &account, const QString &password);

} // namespace PasswordStore

} // namespace loopscope
