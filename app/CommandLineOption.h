#pragma once

#include "Result.h"

#include <QCommandLineOption>

#include <functional>

// One row of a command's option table: the option as QCommandLineParser knows it (names, --help
// text, value name, default) and the reader that turns its value into the command's settings.
// A reader's Failure is the usage error, in the words the user sees.
struct CommandLineOption {
    using Reader = std::function<loopscope::Result<>(const QString &value)>;

    QCommandLineOption option;
    // Gets the value given last, else the default; not called for an option that has neither.
    // A switch's reader is called, with an empty value, when the switch is given.
    Reader read;
    // The reader gets every value given, in order (e.g. one per recipient).
    bool repeatable = false;

    // The readers of the values the commands share; in `error`, %1 is the value as given.
    // A whole number from `minimum`.
    static Reader wholeNumber(int &target, int minimum, const QString &error);
    // A number of bytes from 0.
    static Reader byteCount(qint64 &target, const QString &error);
    // Bytes per second from 0: a whole number with an optional k, M or G (×1024 each, as curl).
    static Reader rate(qint64 &target, const QString &error);
    // Seconds (a fraction allowed) from 0 to a day, kept as milliseconds.
    static Reader seconds(int &target, const QString &error);
    static Reader text(QString &target);
    static Reader switchOn(bool &target);
};
