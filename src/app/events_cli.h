#pragma once
// `hotpath events ...` and `hotpath functions ...`: the command lines of the event bus and the
// functions runtime.

#include <string>
#include <vector>

namespace hotpath::app {

// events tail --topic T [--from-beginning] [--no-follow] [--data-dir DIR] [--config FILE]
int EventsCommand(const std::vector<std::string>& args);
// functions list | functions replay-dlq NAME
int FunctionsCommand(const std::vector<std::string>& args);

}  // namespace hotpath::app
