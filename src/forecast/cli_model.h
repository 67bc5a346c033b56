#pragma once
// `hotpath forecast train|predict` and the panel-loading helper shared by the forecast commands.
#include <string>
#include <vector>

#include "forecast/cli_args.h"
#include "forecast/panel.h"

namespace hotpath::forecast {

// Reads the panel at `path` honouring --freq and --fill-gaps.
Result<Panel> LoadPanelArg(const Args& args, const std::string& path);
int TrainCommand(const std::vector<std::string>& words);
int PredictCommand(const std::vector<std::string>& words);
int FailWith(const Error& e);  // prints "error: ..." and returns 2 for usage errors, else 1

}  // namespace hotpath::forecast
