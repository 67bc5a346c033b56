// Epoch solve time of the dispatch engine against the number of open orders and couriers, on generated
// snapshots (fixed seed): a 12 km x 12 km city, one restaurant per 4 orders, orders placed over the last
// 30 minutes and ready within the next 25, couriers spread uniformly, a quarter of them still busy.
// Targets (issue 5): <= 100 ms at 1,000/1,000 and <= 1 s at 5,000/3,000.
#include <benchmark/benchmark.h>

#include <random>

#include "dispatch/engine.h"

namespace hotpath::dispatch {
namespace {

Snapshot Generate(int orders, int couriers, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> xy(0, 12000);
  Snapshot s;
  s.now = 600 * kMinute;
  const int restaurants = std::max(1, orders / 4);
  std::vector<Point> rest;
  for (int r = 0; r < restaurants; ++r) rest.push_back({xy(rng), xy(rng)});
  for (int o = 0; o < orders; ++o) {
    const auto r = static_cast<size_t>(rng() % static_cast<std::uint64_t>(restaurants));
    const TimePoint placed = s.now - static_cast<TimePoint>(rng() % 30) * kMinute;
    const TimePoint ready =
        std::max(placed + 5 * kMinute, s.now + static_cast<TimePoint>(rng() % 25) * kMinute);
    s.orders.push_back(
        {o, static_cast<RestaurantId>(r), rest[r], {xy(rng), xy(rng)}, placed, ready, placed + 40 * kMinute});
  }
  for (int c = 0; c < couriers; ++c) {
    const TimePoint free_at = rng() % 4 == 0 ? s.now + static_cast<TimePoint>(rng() % 20) * kMinute : s.now;
    s.couriers.push_back({c, {xy(rng), xy(rng)}, free_at, s.now + 180 * kMinute, 0});
  }
  return s;
}

void BM_EpochSolve(benchmark::State& state) {
  const Snapshot s = Generate(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 2024);
  const StraightLineTravelTimes travel(320.0);
  const Options opt;
  std::size_t committed = 0;
  for (auto _ : state) {
    Plan p = Solve(s, travel, opt, Deadline::Never());
    committed = p.committed.size();
    benchmark::DoNotOptimize(p);
  }
  state.counters["committed"] = static_cast<double>(committed);
}
BENCHMARK(BM_EpochSolve)
    ->Args({100, 100})
    ->Args({1000, 1000})
    ->Args({5000, 3000})
    ->ArgNames({"orders", "couriers"})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hotpath::dispatch

BENCHMARK_MAIN();
