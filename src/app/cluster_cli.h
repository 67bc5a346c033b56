#pragma once
// `hotpath cluster [--config FILE] [--processes N] [--listen HOST:PORT] [--data-dir DIR]
// [--autoscale] [--KEY VALUE ...]`: HAProxy in front of N `hotpath serve` processes, optionally
// autoscaled. Returns the exit code: 0, 1 (runtime failure) or 2 (usage). See docs/cluster.md.

#include <string>
#include <vector>

namespace hotpath::app {

int ClusterCommand(const std::vector<std::string>& args);

}  // namespace hotpath::app
