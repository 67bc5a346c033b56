#pragma once
// `hotpath simulate ...`: parses the options, runs the simulation against a running server with
// progress on stderr, prints the summary on stdout (text, or one JSON object with --json).
// Exit codes: 0 the run completed, 1 the server was unreachable or refused the setup, 2 bad usage.

#include <string>
#include <vector>

namespace hotpath::simulate {

int SimulateCommand(const std::vector<std::string>& args);

}  // namespace hotpath::simulate
