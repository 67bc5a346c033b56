#pragma once
// `hotpath simulate` options and their parsing (pure: no I/O).

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace hotpath::simulate {

struct Options {
  std::string url = "http://127.0.0.1:8080";  // the running hotpath
  double speedup = 10;            // simulated seconds per real second
  double duration_s = 300;        // real seconds of new orders; 0 = until interrupted (or instance end)
  double drain_s = 60;            // after that, real seconds to let open orders finish
  std::uint64_t seed = 1;
  int customers = 20;             // signed up at start
  int restaurants = 20;           // demo staff01..N
  int riders = 30;                // demo rider01..N
  double orders_per_hour = 60;    // simulated orders per hour at the lunch and dinner peaks
  double start_hour = 11.5;       // simulated time of day at start
  double cancel_rate = 0.03;      // customers cancelling before the restaurant answers
  double reject_rate = 0.02;      // restaurants rejecting
  double rider_speed_kmh = 15;    // simulated speed (curve mode; MDRP uses the instance's)
  std::string mdrp;               // MDRP instance directory: replay it instead of the curve
  std::string password = "demo-password";
  std::string admin_email = "admin@demo.hotpath.dev";
  int concurrency = 8;            // HTTP worker threads
  bool json = false;              // print the summary as one JSON object
  bool quiet = false;             // no progress output
  std::string orders_out;         // write one JSON line per placed order here at the end
};

// Parses the words after "simulate". Every error names the flag and what it accepts.
[[nodiscard]] Result<Options> ParseOptions(const std::vector<std::string>& args);

extern const char* const kSimulateUsage;

}  // namespace hotpath::simulate
