#pragma once
// `hotpath mdrp ...` command line. args are the words after "mdrp":
//   solve INSTANCE_DIR --out DIR [--seed S] [--set NAME=VALUE]...
//       replays the instance, writes the three evaluator files into DIR, checks them with the built-in
//       feasibility checker and prints one JSON line of metrics on stdout.
//   bench INSTANCE_DIR... [--seed S] [--out BASE] [--set NAME=VALUE]...
//       solves every instance (progress bar on stderr) and prints a table of means on stdout.
// Returns the process exit code: 0 success, 1 infeasible solution or malformed input (the message names
// the file and line), 2 bad usage (usage text on stderr).

#include <string>
#include <vector>

namespace hotpath::dispatch {

int MdrpCommand(const std::vector<std::string>& args);

}  // namespace hotpath::dispatch
