#include "console/static_files.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/edge.h"

namespace hotpath::console {
namespace fs = std::filesystem;

namespace {

std::string ContentType(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".json" || ext == ".map") return "application/json";
  return "application/octet-stream";
}

net::Response Serve(const std::string& dir, const std::string& name) {
  std::error_code dir_ec;
  if (!fs::is_directory(dir, dir_ec)) {
    return api::ErrorResponse(Error::Unavailable(fmt::format(
        "the console is not built ({} is missing): run `make build`, or set console.console_dir", dir)));
  }
  if (name.empty() || name.front() == '.' || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos) {
    return api::ErrorResponse(Error::NotFound(fmt::format("no console file '{}'", name)));
  }
  fs::path path = fs::path(dir) / name;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return api::ErrorResponse(Error::NotFound(fmt::format("no console file '{}'", name)));
  std::ifstream in(path, std::ios::binary);
  std::stringstream body;
  body << in.rdbuf();
  if (!in && !in.eof()) return api::ErrorResponse(Error::Unavailable(fmt::format("cannot read {}", path.string())));
  auto r = net::Response::Text(200, body.str(), ContentType(path));
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

std::string DefaultConsoleDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "console";
  return (exe.parent_path() / "console").string();
}

void RegisterConsoleRoutes(net::Router& router, std::string dir) {
  router.Add("GET", "/console", [dir](net::Request& req) {
    if (req.path == "/console") {  // relative URLs in the page need the trailing slash
      net::Response r;
      r.status = 308;
      r.content_type.clear();
      r.headers.emplace_back("Location", "/console/");
      return r;
    }
    return Serve(dir, "index.html");
  });
  router.Add("GET", "/console/{file}", [dir](net::Request& req) { return Serve(dir, req.Param("file")); });
}

}  // namespace hotpath::console
