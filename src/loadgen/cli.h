#pragma once
// `hotpath bench tracking [--riders N] [--watchers M] [--seconds S] [--json] ...`: runs the
// tracking load benchmark (tracking_bench.h) and prints its result, one JSON object with --json.
// Exit codes: 0 the run completed, 1 it could not be set up (server, connections, limits),
// 2 bad usage.

#include <string>
#include <vector>

namespace hotpath::loadgen {

int BenchCommand(const std::vector<std::string>& args);

}  // namespace hotpath::loadgen
