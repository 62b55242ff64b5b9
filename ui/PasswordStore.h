#pragma once

#include <QString>
#include <QCoroTask>

namespace loopscope {

// The SMTP password in the system keychain (QtKeychain), never in the settings file.
// Where no keychain service answers, the caller keeps the password for this run only.
namespace PasswordStore {

struct Result {
    bool available = false; // false: no keychain service; error says why
    QString password;
    QString error;
};

QCoro::Task<Result> read(const QString &account);
QCoro::Task<Result> write(const QString &account, const QString &password);

} // namespace PasswordStore

} // namespace loopscope
