#pragma once
// Test helpers: locating the shared Li & Lim data (HOTPATH_SHARED_DIR) from unit tests.

#include <cstdlib>
#include <string>

namespace hotpath::dispatch::pdptw::testing {

inline std::string LiLimPath(const std::string& set, const std::string& name) {
  const char* dir = std::getenv("HOTPATH_SHARED_DIR");
  std::string root = dir != nullptr ? dir : "/work/shared";
  return root + "/data/pdptw-li-lim/" + set + "/" + name + ".txt";
}

}  // namespace hotpath::dispatch::pdptw::testing
