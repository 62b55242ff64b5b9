#pragma once

#include <QStringList>

// `loopscope export [--db PATH] [--batch ID] [--format jsonl|csv]`: prints the recorded tasks
// (the same fields as --jsonl) from the history, streaming, in id order.
namespace ExportCommand {
int run(const QStringList &arguments);
}
