#pragma once

#include "FetchCommand.h"

#include <QStringList>

#include <optional>

// The options of `loopscope fetch`, `refire` and `resume`, as one option table.
namespace FetchCommandLine {
// Parses the arguments after the command's name; on failure or --help/--version, prints and
// sets exitCode.
std::optional<FetchCommand::Options> parse(FetchCommand::Mode mode, const QStringList &arguments, int &exitCode);
}
