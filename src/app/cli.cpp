#include "app/cli.h"

#include <fmt/format.h>

namespace hotpath::app {

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args, const std::set<std::string>& booleans) {
  ParsedArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (booleans.contains(name)) {
      value = "true";
    } else {
      if (i + 1 >= args.size()) return Error::Invalid(fmt::format("flag --{} needs a value", name));
      value = args[++i];
    }
    out.flags.emplace_back(name, value);
  }
  return out;
}

Result<ConfigSources> ConfigFromArgs(const ParsedArgs& parsed, const std::set<std::string>& own,
                                     std::map<std::string, std::string>* own_values) {
  ConfigSources src;
  src.env = HotpathEnvironment();
  if (auto it = src.env.find("HOTPATH_CONFIG"); it != src.env.end()) src.file = it->second;
  for (const auto& [name, value] : parsed.flags) {
    if (name == "config") {
      src.file = value;
    } else if (own.contains(name)) {
      if (own_values) (*own_values)[name] = value;
    } else {
      src.flags.emplace_back(name, value);  // LoadConfig rejects names it does not know
    }
  }
  return src;
}

}  // namespace hotpath::app
