#include "dispatch/pdptw/repair.h"

#include <algorithm>

namespace hotpath::dispatch::pdptw {
namespace {

struct Cell {
  Insertion ins;      // true cost in ins.cost
  Distance score = kInfinity;  // cost with noise, used for choosing
};

class RegretTable {
 public:
  RegretTable(Plan& plan, std::vector<NodeId> pending, const RepairOptions& opts, Rng& rng)
      : plan_(plan), pending_(std::move(pending)), opts_(opts), rng_(rng) {
    cells_.assign(pending_.size(), std::vector<Cell>(plan_.num_routes()));
    for (int r = 0; r < plan_.num_routes(); ++r) RefreshRoute(r);
  }

  std::vector<NodeId>& pending() { return pending_; }

  // Re-evaluates route r for all pending requests. Of several empty routes only the first is
  // offered: they are interchangeable.
  void RefreshRoute(int r) {
    bool skip = plan_.route(r).empty() && FirstEmptyRoute() != r;
    for (size_t u = 0; u < pending_.size(); ++u) {
      Cell& c = cells_[u][r];
      c = Cell{};
      if (skip) continue;
      c.ins = BestInsertion(plan_.instance(), plan_.route(r), pending_[u]);
      c.ins.route = r;
      if (c.ins.valid()) {
        c.score = c.ins.cost;
        if (opts_.noise > 0) c.score = std::max(0.0, c.score + opts_.noise * (2 * rng_.Real() - 1));
      }
    }
  }

  void AddRoute() {
    int r = plan_.AddRoute();
    for (auto& row : cells_) row.emplace_back();
    RefreshRoute(r);
  }

  // Index of the pending request to insert next, or -1 when some request fits nowhere (then
  // `stuck` gets its index) .
  int Choose(int* stuck) {
    int best = -1;
    double best_regret = -1;
    Distance best_score = kInfinity;
    *stuck = -1;
    const int k = std::max(1, opts_.regret);
    std::vector<Distance> top(k);
    for (size_t u = 0; u < pending_.size(); ++u) {
      std::fill(top.begin(), top.end(), kInfinity);
      for (const Cell& c : cells_[u]) {
        if (c.score >= top[k - 1]) continue;
        int pos = k - 1;
        while (pos > 0 && top[pos - 1] > c.score) {
          top[pos] = top[pos - 1];
          --pos;
        }
        top[pos] = c.score;
      }
      if (top[0] == kInfinity) {
        *stuck = static_cast<int>(u);
        return -1;
      }
      // Requests with fewer options than k come first (big regret); ties by cheaper best.
      double regret = 0;
      for (int h = 1; h < k; ++h) regret += (top[h] == kInfinity ? 1e9 : top[h] - top[0]);
      if (regret > best_regret + 1e-12 || (regret > best_regret - 1e-12 && top[0] < best_score)) {
        best = static_cast<int>(u);
        best_regret = regret;
        best_score = top[0];
      }
    }
    return best;
  }

  // Inserts pending request u at its cheapest route and refreshes that route's column.
  void InsertChosen(int u) {
    const Cell* pick = nullptr;
    for (const Cell& c : cells_[u]) {
      if (c.ins.valid() && (pick == nullptr || c.score < pick->score)) pick = &c;
    }
    Insertion ins = pick->ins;
    bool was_empty = plan_.route(ins.route).empty();
    plan_.Insert(pending_[u], ins);
    pending_.erase(pending_.begin() + u);
    cells_.erase(cells_.begin() + u);
    RefreshRoute(ins.route);
    if (was_empty) {
      int e = FirstEmptyRoute();
      if (e >= 0) RefreshRoute(e);
    }
  }

  bool HasEmptyRoute() const { return FirstEmptyRoute() >= 0; }

  void DropPending(int u) {
    pending_.erase(pending_.begin() + u);
    cells_.erase(cells_.begin() + u);
  }

 private:
  int FirstEmptyRoute() const {
    for (int r = 0; r < plan_.num_routes(); ++r) {
      if (plan_.route(r).empty()) return r;
    }
    return -1;
  }

  Plan& plan_;
  std::vector<NodeId> pending_;
  const RepairOptions& opts_;
  Rng& rng_;
  std::vector<std::vector<Cell>> cells_;  // [pending index][route]
};

}  // namespace

std::vector<NodeId> RegretInsert(Plan& plan, std::vector<NodeId> pending, const RepairOptions& opts,
                                 Rng& rng) {
  RegretTable table(plan, std::move(pending), opts, rng);
  std::vector<NodeId> failed;
  while (!table.pending().empty()) {
    int stuck = -1;
    int u = table.Choose(&stuck);
    if (u >= 0) {
      table.InsertChosen(u);
      continue;
    }
    if (opts.allow_new_routes && !table.HasEmptyRoute()) {
      table.AddRoute();
      continue;
    }
    failed.push_back(table.pending()[stuck]);
    table.DropPending(stuck);
    if (opts.stop_at_first_failure) {
      failed.insert(failed.end(), table.pending().begin(), table.pending().end());
      break;
    }
  }
  return failed;
}

}  // namespace hotpath::dispatch::pdptw
