#include "OptionTable.h"

#include <QTextStream>

#include <cstdio>

using namespace Qt::StringLiterals;

using namespace loopscope;

OptionTable::OptionTable(const QString &command, const QString &description, const QList<CommandLineOption> &options)
    : m_command(command)
    , m_options(options)
{
    m_parser.setApplicationDescription(description);
    for (const CommandLineOption &entry : options)
        m_parser.addOption(entry.option);
    m_parser.addHelpOption();
}

void OptionTable::addVersionOption()
{
    m_parser.addVersionOption();
    m_hasVersion = true;
}

void OptionTable::addPositionalArgument(const QString &name, const QString &description, const QString &syntax)
{
    m_parser.addPositionalArgument(name, description, syntax);
}

OptionTable::Outcome OptionTable::parse(const QStringList &arguments)
{
    if (!m_parser.parse(QStringList{m_command} + arguments)) {
        printUsageError(m_parser.errorText());
        return Outcome::UsageError;
    }
    if (m_parser.isSet(u"help"_s)) {
        QTextStream(stdout) << m_parser.helpText();
        return Outcome::Answered;
    }
    if (m_hasVersion && m_parser.isSet(u"version"_s)) {
        QTextStream(stdout) << "loopscope " << LOOPSCOPE_VERSION << '\n';
        return Outcome::Answered;
    }
    for (const CommandLineOption &entry : std::as_const(m_options)) {
        const QCommandLineOption &option = entry.option;
        QStringList values;
        if (option.valueName().isEmpty()) {
            if (m_parser.isSet(option))
                values << QString();
        } else if (entry.repeatable) {
            values = m_parser.values(option);
        } else if (m_parser.isSet(option) || !option.defaultValues().isEmpty()) {
            values << m_parser.value(option); // given twice: the last one counts
        }
        for (const QString &value : std::as_const(values)) {
            if (const Result<> read = entry.read(value); !read) {
                printUsageError(read.error());
                return Outcome::UsageError;
            }
        }
    }
    return Outcome::Read;
}

QStringList OptionTable::positionalArguments() const
{
    return m_parser.positionalArguments();
}

void OptionTable::printUsageError(const QString &message) const
{
    QTextStream(stderr) << m_command << ": " << message << "\nTry '" << m_command << " --help'.\n";
}
