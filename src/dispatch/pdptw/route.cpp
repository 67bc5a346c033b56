#include "dispatch/pdptw/route.h"

#include <algorithm>

namespace hotpath::dispatch::pdptw {

void Route::Insert(NodeId pickup, int after_p, int after_d) {
  NodeId delivery = inst_->DeliveryOf(pickup);
  nodes_.insert(nodes_.begin() + after_d + 1, delivery);
  nodes_.insert(nodes_.begin() + after_p + 1, pickup);
  Refresh();
}

void Route::Remove(NodeId pickup) {
  NodeId delivery = inst_->DeliveryOf(pickup);
  std::erase_if(nodes_, [&](NodeId v) { return v == pickup || v == delivery; });
  Refresh();
}

void Route::Assign(const std::vector<NodeId>& customers) {
  nodes_.clear();
  nodes_.push_back(0);
  nodes_.insert(nodes_.end(), customers.begin(), customers.end());
  nodes_.push_back(0);
  Refresh();
}

bool Route::Feasible() const {
  for (size_t k = 0; k < nodes_.size(); ++k) {
    if (start_[k] > latest_[k] + kTimeEps) return false;
    if (load_[k] > inst_->capacity + kTimeEps) return false;
  }
  return true;
}

void Route::Refresh() {
  const size_t n = nodes_.size();
  start_.resize(n);
  latest_.resize(n);
  load_.resize(n);
  const auto& nd = inst_->nodes;
  start_[0] = nd[0].ready;
  load_[0] = 0;
  distance_ = 0;
  for (size_t k = 1; k < n; ++k) {
    NodeId a = nodes_[k - 1];
    NodeId b = nodes_[k];
    Distance leg = inst_->Dist(a, b);
    distance_ += leg;
    start_[k] = std::max(start_[k - 1] + nd[a].service + leg, nd[b].ready);
    load_[k] = load_[k - 1] + nd[b].demand;
  }
  latest_[n - 1] = nd[0].due;
  for (size_t k = n - 1; k-- > 0;) {
    NodeId a = nodes_[k];
    latest_[k] = std::min(nd[a].due, latest_[k + 1] - nd[a].service - inst_->Dist(a, nodes_[k + 1]));
  }
}

}  // namespace hotpath::dispatch::pdptw
