#include "dispatch/pdptw/insertion.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "dispatch/pdptw/rng.h"
#include "dispatch/pdptw/test_data.h"

namespace hotpath::dispatch::pdptw {
namespace {

// Straightforward simulation of one depot-to-depot sequence, independent of Route's caches.
bool SequenceFeasible(const Instance& inst, const std::vector<NodeId>& seq) {
  double t = inst.nodes[0].ready;
  double load = 0;
  NodeId prev = 0;
  for (NodeId v : seq) {
    t = std::max(t + inst.nodes[prev].service + inst.Dist(prev, v), inst.nodes[v].ready);
    if (t > inst.nodes[v].due + 1e-9) return false;
    load += inst.nodes[v].demand;
    if (load > inst.capacity + 1e-9) return false;
    prev = v;
  }
  return t + inst.nodes[prev].service + inst.Dist(prev, 0) <= inst.nodes[0].due + 1e-9;
}

double SequenceLength(const Instance& inst, const std::vector<NodeId>& seq) {
  double len = 0;
  NodeId prev = 0;
  for (NodeId v : seq) {
    len += inst.Dist(prev, v);
    prev = v;
  }
  return len + inst.Dist(prev, 0);
}

// Every position pair is tried by brute force and compared with ForEachInsertion's answer.
void CompareWithBruteForce(const std::string& name, uint64_t seed) {
  auto loaded = LoadInstance(testing::LiLimPath("li_lim_100", name));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const Instance& inst = loaded.value();
  Rng rng(seed);
  for (int trial = 0; trial < 6; ++trial) {
    // Grow a random feasible route by random feasible insertions.
    Route route(&inst);
    std::vector<NodeId> order = inst.pickups;
    rng.Shuffle(order.begin(), order.end());
    for (NodeId p : order) {
      std::vector<std::pair<int, int>> options;
      ForEachInsertion(inst, route, p, [&](int i, int j, Distance) {
        options.emplace_back(i, j);
        return true;
      });
      if (options.empty() || rng.Int(0, 2) == 0) continue;
      auto [i, j] = options[rng.Int(0, static_cast<int>(options.size()) - 1)];
      route.Insert(p, i, j);
      ASSERT_TRUE(route.Feasible());
    }
    std::vector<NodeId> cust(route.nodes().begin() + 1, route.nodes().end() - 1);
    ASSERT_TRUE(SequenceFeasible(inst, cust));
    const double base = SequenceLength(inst, cust);
    for (NodeId p : inst.pickups) {
      if (std::find(cust.begin(), cust.end(), p) != cust.end()) continue;
      std::map<std::pair<int, int>, double> fast;
      ForEachInsertion(inst, route, p, [&](int i, int j, Distance cost) {
        fast[{i, j}] = cost;
        return true;
      });
      std::map<std::pair<int, int>, double> slow;
      const int n = static_cast<int>(cust.size());
      for (int i = 0; i <= n; ++i) {
        for (int j = i; j <= n; ++j) {
          std::vector<NodeId> seq = cust;
          seq.insert(seq.begin() + j, inst.DeliveryOf(p));
          seq.insert(seq.begin() + i, p);
          if (SequenceFeasible(inst, seq)) slow[{i, j}] = SequenceLength(inst, seq) - base;
        }
      }
      ASSERT_EQ(fast.size(), slow.size()) << name << " request " << p << " route size " << n;
      double cheapest = kInfinity;
      for (const auto& [key, cost] : slow) {
        ASSERT_TRUE(fast.count(key)) << "missed insertion " << key.first << "," << key.second;
        EXPECT_NEAR(fast[key], cost, 1e-6);
        cheapest = std::min(cheapest, cost);
      }
      Insertion best = BestInsertion(inst, route, p);
      EXPECT_EQ(best.valid(), !slow.empty());
      if (best.valid()) {
        EXPECT_NEAR(best.cost, cheapest, 1e-6);
        EXPECT_TRUE(slow.count({best.after_p, best.after_d}));
      }
    }
  }
}

TEST(PdptwInsertion, MatchesBruteForceOnClusteredInstance) { CompareWithBruteForce("lc101", 11); }
TEST(PdptwInsertion, MatchesBruteForceOnRandomWideWindows) { CompareWithBruteForce("lr204", 12); }
TEST(PdptwInsertion, MatchesBruteForceOnMixedInstance) { CompareWithBruteForce("lrc102", 13); }

}  // namespace
}  // namespace hotpath::dispatch::pdptw
