#pragma once
// Shared helpers for the forecast unit tests: synthetic panels with a fixed seed and temp files.
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "forecast/panel.h"

namespace hotpath::forecast::testing {

// Hourly Poisson counts with a daily and weekly shape; series i has level (i + 1) * base.
inline Panel SyntheticHourly(size_t series, size_t days, double base, unsigned seed = 42) {
  Panel p;
  p.freq = Freq::k1h;
  p.start = *ParseTimestamp("2024-01-01 00:00");  // a Monday
  p.length = days * 24;
  std::mt19937 rng(seed);
  for (size_t s = 0; s < series; ++s) {
    p.ids.push_back("z" + std::to_string(s));
    std::vector<double> v(p.length);
    for (size_t t = 0; t < p.length; ++t) {
      const double hour = static_cast<double>(t % 24), dow = static_cast<double>((t / 24) % 7);
      const double shape = 1.0 + 0.8 * std::sin((hour - 6) / 24.0 * 2 * M_PI) + (dow >= 5 ? 0.4 : 0.0);
      std::poisson_distribution<int> pois(std::max(0.05, base * static_cast<double>(s + 1) * shape));
      v[t] = pois(rng);
    }
    p.values.push_back(std::move(v));
  }
  return p;
}

inline std::string TempPath(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("hotpath_forecast_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

inline std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = TempPath(name);
  std::ofstream(path) << content;
  return path;
}

inline std::string SharedDir() {
  const char* env = std::getenv("HOTPATH_SHARED_DIR");
  return env ? env : "/work/shared";
}

}  // namespace hotpath::forecast::testing
