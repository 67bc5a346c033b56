#pragma once
// Command lines of the edge: `hotpath cdn nginx-config ...` (and, later, cluster and autoscale).
// Each returns the process exit code: 0, 1 (runtime failure) or 2 (usage), with a message on stderr.

#include <string>
#include <vector>

namespace hotpath::app {

int CdnCommand(const std::vector<std::string>& args);

}  // namespace hotpath::app
