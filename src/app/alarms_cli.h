#pragma once
// `hotpath alarms export --prometheus FILE [--config FILE] [--data-dir DIR]`: the config file's
// alarms and those created over the API (kept in the data directory) as Prometheus alerting rules.
// `hotpath alarms list [...]`: the same alarms with their last recorded state.

#include <string>
#include <vector>

namespace hotpath::app {

int AlarmsCommand(const std::vector<std::string>& args);

}  // namespace hotpath::app
