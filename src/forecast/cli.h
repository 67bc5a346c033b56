#pragma once
// Command lines: `hotpath forecast prepare|backtest|train|predict ...` and `hotpath staffing plan ...`.
// `args` are the words after `forecast` / `staffing`. Returns the process exit code (0 ok, 1 failure,
// 2 usage error); results go to stdout or files, usage, errors and progress to stderr.
#include <string>
#include <vector>

namespace hotpath::forecast {

int ForecastCommand(const std::vector<std::string>& args);
int StaffingCommand(const std::vector<std::string>& args);

}  // namespace hotpath::forecast
