#pragma once
// `hotpath config check FILE`: every problem of a config file, explained, without starting anything.

#include <string>
#include <vector>

namespace hotpath::app {

// CheckConfigFile's problems (syntax, unknown keys, bad values), then those of nested values and
// across keys: the Redis URL, alarms, replicas without PostgreSQL, ranges whose ends are swapped.
std::vector<std::string> CheckConfig(const std::string& path);

}  // namespace hotpath::app
