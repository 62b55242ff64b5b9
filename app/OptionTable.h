#pragma once

#include "CommandLineOption.h"

#include <QCommandLineParser>
#include <QList>
#include <QStringList>

// A command's options as one table, in the order --help lists them. parse() has
// QCommandLineParser recognise them, answers --help (and --version), then hands each option's
// value to its reader in table order; the first reader that fails gives the usage error. Rules
// that involve several options or the positional arguments the command checks afterwards, and
// reports with printUsageError().
class OptionTable {
public:
    enum class Outcome {
        Read,       // every option read; positionalArguments() holds the rest
        Answered,   // --help or --version printed: the command ends successfully
        UsageError, // printed: the command ends with its usage-error exit code
    };

    // command: "loopscope fetch", the first words of every message.
    OptionTable(const QString &command, const QString &description, const QList<CommandLineOption> &options);

    void addVersionOption();
    void addPositionalArgument(const QString &name, const QString &description, const QString &syntax = {});

    Outcome parse(const QStringList &arguments);
    QStringList positionalArguments() const;

    // "COMMAND: MESSAGE" and where to find the usage, on standard error.
    void printUsageError(const QString &message) const;

private:
    QString m_command;
    QList<CommandLineOption> m_options;
    QCommandLineParser m_parser;
    bool m_hasVersion = false;
};
