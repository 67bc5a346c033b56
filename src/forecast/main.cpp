// hotpath-forecast: the forecast and staffing commands on their own, for development and benchmarks.
#include <iostream>
#include <string>
#include <vector>

#include "forecast/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || (args[0] != "forecast" && args[0] != "staffing")) {
    std::cerr << "usage: hotpath-forecast forecast <prepare|backtest|train|predict> ...\n"
                 "       hotpath-forecast staffing plan ...\n";
    return 2;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  return command == "forecast" ? hotpath::forecast::ForecastCommand(args)
                               : hotpath::forecast::StaffingCommand(args);
}
