#include "loadgen/nearby.h"

#include <fmt/format.h>

#include <random>

#include "core/log.h"
#include "loadgen/seed.h"
#include "tracking/tracker.h"

namespace hotpath::loadgen {

NearbyStats RunNearby(storage::Database& db, int riders, std::chrono::milliseconds duration, std::uint64_t seed) {
  SystemClock clock;
  Logger log(LogLevel::kError);
  tracking::Tracker tracker(db, clock, log, nullptr);  // never started: nothing is flushed
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lat(kCity.min_lat, kCity.max_lat), lon(kCity.min_lon, kCity.max_lon);
  const Millis now = clock.NowMillis();
  for (int i = 0; i < riders; ++i) {
    fleet::Rider r;
    r.id = fmt::format("usr_nearby_{:06}", i);
    r.status = i % 4 == 0 ? fleet::RiderStatus::kBusy : fleet::RiderStatus::kAvailable;
    r.position = geo::Point{lat(rng), lon(rng)};
    r.updated_at = now;
    tracker.OnRiderChanged(r);
  }
  constexpr int kCenters = 4096;
  std::vector<geo::Point> centers(kCenters);
  for (auto& c : centers) c = {lat(rng), lon(rng)};
  NearbyStats out;
  std::uint64_t found = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + duration;
  auto now_t = start;
  while (now_t < deadline) {
    for (int i = 0; i < 256; ++i) {  // the clock is read once per 256 queries
      auto near = tracker.Nearest(centers[out.queries % kCenters], 1000, 10, tracking::Availability::kAny);
      found += near.size();
      ++out.queries;
    }
    now_t = std::chrono::steady_clock::now();
  }
  out.seconds = std::chrono::duration<double>(now_t - start).count();
  out.mean_found = out.queries ? static_cast<double>(found) / static_cast<double>(out.queries) : 0;
  return out;
}

}  // namespace hotpath::loadgen
