#include "app/edge_cli.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <iostream>

#include "app/cli.h"
#include "assets/cdn_config.h"

namespace hotpath::app {
namespace {

constexpr const char* kCdnUsage =
    "usage: hotpath cdn nginx-config --upstream HOST:PORT [--upstream HOST:PORT ...] --listen HOST:PORT\n"
    "                               --dir DIR [--menu-ttl-s N] [--workers N] [--max-cache-size 1g] [--out FILE]";

int Usage(const std::string& message) {
  std::cerr << "hotpath: " << message << "\n" << kCdnUsage << "\n";
  return 2;
}

bool ParseInt(const std::string& s, int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int CdnCommand(const std::vector<std::string>& args) {
  if (args.empty() || args.front() != "nginx-config") return Usage("cdn: unknown or missing subcommand");
  auto parsed = ParseArgs({args.begin() + 1, args.end()}, {});
  if (!parsed.ok()) return Usage("cdn: " + parsed.error().message);
  if (!parsed->positional.empty()) return Usage("cdn: unexpected argument '" + parsed->positional.front() + "'");
  assets::CdnOptions options;
  std::string out;
  for (const auto& [name, value] : parsed->flags) {
    if (name == "upstream") {
      options.upstreams.push_back(value);
    } else if (name == "listen") {
      options.listen = value;
    } else if (name == "dir") {
      options.dir = value;
    } else if (name == "max-cache-size") {
      options.max_cache_size = value;
    } else if (name == "out") {
      out = value;
    } else if (name == "menu-ttl-s" || name == "workers") {
      int* target = name == "workers" ? &options.workers : &options.menu_ttl_s;
      if (!ParseInt(value, target)) return Usage(fmt::format("cdn: --{} must be an integer", name));
    } else {
      return Usage(fmt::format("cdn: unknown flag --{}", name));
    }
  }
  auto config = assets::RenderNginxConfig(options);
  if (!config.ok()) return Usage(config.error().message);
  if (out.empty()) {
    std::cout << *config;
    return 0;
  }
  std::ofstream file(out);
  file << *config;
  file.close();
  if (!file) {
    std::cerr << "hotpath: cdn: cannot write " << out << "\n";
    return 1;
  }
  return 0;
}

}  // namespace hotpath::app
