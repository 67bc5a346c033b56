#pragma once
// Command-line parsing for the hotpath binary: `--name value`, `--name=value` and bare boolean
// flags. Anything malformed is an error message, never an exception.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"

namespace hotpath::app {

struct ParsedArgs {
  std::vector<std::pair<std::string, std::string>> flags;  // in order
  std::vector<std::string> positional;
};

// `booleans` are flags that take no value.
Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args, const std::set<std::string>& booleans);

// Splits flags into config sources (--config, --listen, --data-dir, ... any config key) and the
// command's own flags (`own`); an unknown flag is an error naming it.
Result<ConfigSources> ConfigFromArgs(const ParsedArgs& parsed, const std::set<std::string>& own,
                                     std::map<std::string, std::string>* own_values);

}  // namespace hotpath::app
