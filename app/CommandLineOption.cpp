#include "CommandLineOption.h"

using namespace loopscope;

CommandLineOption::Reader CommandLineOption::wholeNumber(int &target, int minimum, const QString &error)
{
    return [&target, minimum, error](const QString &value) -> Result<> {
        bool ok = false;
        const int number = value.toInt(&ok);
        if (!ok || number < minimum)
            return Failure{ErrorKind::Invalid, error.arg(value)};
        target = number;
        return {};
    };
}

CommandLineOption::Reader CommandLineOption::byteCount(qint64 &target, const QString &error)
{
    return [&target, error](const QString &value) -> Result<> {
        bool ok = false;
        const qint64 bytes = value.toLongLong(&ok);
        if (!ok || bytes < 0)
            return Failure{ErrorKind::Invalid, error.arg(value)};
        target = bytes;
        return {};
    };
}

CommandLineOption::Reader CommandLineOption::rate(qint64 &target, const QString &error)
{
    return [&target, error](const QString &value) -> Result<> {
        QString digits = value;
        qint64 unit = 1;
        if (!digits.isEmpty()) {
            switch (digits.back().toLower().unicode()) {
            case 'k': unit = qint64(1) << 10; break;
            case 'm': unit = qint64(1) << 20; break;
            case 'g': unit = qint64(1) << 30; break;
            default: break;
            }
            if (unit > 1)
                digits.chop(1);
        }
        bool ok = false;
        const qint64 number = digits.toLongLong(&ok);
        if (!ok || number < 0 || number > (qint64(1) << 40) / unit)
            return Failure{ErrorKind::Invalid, error.arg(value)};
        target = number * unit;
        return {};
    };
}

CommandLineOption::Reader CommandLineOption::seconds(int &target, const QString &error)
{
    return [&target, error](const QString &value) -> Result<> {
        bool ok = false;
        const double seconds = value.toDouble(&ok);
        if (!ok || seconds < 0 || seconds > 86'400)
            return Failure{ErrorKind::Invalid, error.arg(value)};
        target = int(seconds * 1000);
        return {};
    };
}

CommandLineOption::Reader CommandLineOption::text(QString &target)
{
    return [&target](const QString &value) -> Result<> {
        target = value;
        return {};
    };
}

CommandLineOption::Reader CommandLineOption::switchOn(bool &target)
{
    return [&target](const QString &) -> Result<> {
        target = true;
        return {};
    };
}
