#include "tracking/live_tracking.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/json.h"

namespace hotpath::tracking {
using orders::OrderStatus;

class LiveTracking::Subscription : public std::enable_shared_from_this<Subscription> {
 public:
  Subscription(Millis interval, Millis tolerance) : pacer(interval, tolerance) {}
  std::string order_id;
  std::shared_ptr<Watcher> watcher;
  std::shared_ptr<orders::OrderFeed> feed;
  // Guarded by LiveTracking::mu_.
  PositionPacer pacer;
  std::string pending;  // a position held back by the pacer
  Millis pending_at = 0;  // its fix time
  Millis deferred_due = INT64_MAX;  // listed in deferred_ with this due time (MAX: not listed)
  bool stopped = false;
};

PositionFrame MakePositionFrame(const std::string& order_id, const std::string& rider_id, const Fix& fix,
                                bool picked_up, geo::Point restaurant, geo::Point customer, double speed_kmh) {
  PositionFrame f{order_id, rider_id, fix, picked_up, 0, 0};
  const double speed_mps = std::max(0.1, speed_kmh / 3.6);
  double remaining = 0;
  if (picked_up) {
    f.distance_m = geo::DistanceMeters(fix.position, customer);
    remaining = f.distance_m;
  } else {
    f.distance_m = geo::DistanceMeters(fix.position, restaurant);
    remaining = f.distance_m + geo::DistanceMeters(restaurant, customer);
  }
  f.eta_s = static_cast<std::int64_t>(std::ceil(remaining / speed_mps));
  return f;
}

namespace {
void AppendNumber(std::string& out, double v) { fmt::format_to(std::back_inserter(out), "{}", v); }
}  // namespace

void AppendPositionJson(std::string& out, const PositionFrame& f, Millis now) {
  out += R"({"order_id":")";
  out += f.order_id;
  out += R"(","rider_id":")";
  out += f.rider_id;
  out += R"(","lat":)";
  AppendNumber(out, f.fix.position.lat);
  out += R"(,"lon":)";
  AppendNumber(out, f.fix.position.lon);
  out += R"(,"at":")";
  json::AppendTime(out, f.fix.at);
  out += R"(","next_stop":")";
  out += f.picked_up ? "customer" : "restaurant";
  out += R"(","distance_m":)";
  AppendNumber(out, std::round(f.distance_m));
  out += R"(,"eta_s":)";
  fmt::format_to(std::back_inserter(out), "{}", f.eta_s);
  out += R"(,"eta_at":")";
  json::AppendTime(out, now + f.eta_s * 1000);
  out += '"';
  if (f.fix.heading_deg) {
    out += R"(,"heading_deg":)";
    AppendNumber(out, *f.fix.heading_deg);
  }
  if (f.fix.speed_mps) {
    out += R"(,"speed_mps":)";
    AppendNumber(out, *f.fix.speed_mps);
  }
  out += '}';
}

std::string PositionJson(const PositionFrame& f, Millis now) {
  std::string out;
  out.reserve(320);
  AppendPositionJson(out, f, now);
  return out;
}

LiveTracking::LiveTracking(storage::Database& db, orders::OrderService& orders, orders::LiveHub& hub,
                           catalog::CatalogService& catalog, Tracker& tracker, const Clock& clock, const Logger& log,
                           LiveSettings settings)
    : db_(db),
      orders_(orders),
      hub_(hub),
      catalog_(catalog),
      tracker_(tracker),
      clock_(clock),
      log_(log),
      settings_(settings) {}

LiveTracking::~LiveTracking() { Stop(); }

Status LiveTracking::Load() {
  std::vector<std::string> ids;
  auto r = db_.Read<Ok>([&](storage::Connection& c) -> Result<Ok> {
    HP_TRY(c.Query("SELECT id FROM orders WHERE rider_id IS NOT NULL AND status IN ('accepted','ready','picked_up')",
                   {}, [&](const storage::Row& row) { ids.push_back(row.Text(0)); }));
    return Ok{};
  });
  if (!r.ok()) return std::move(r).error();
  for (const auto& id : ids) Refresh(id);
  return OkStatus();
}

void LiveTracking::Start() {
  std::lock_guard lock(work_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void LiveTracking::Stop() {
  {
    std::lock_guard lock(work_mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LiveTracking::OnOrderEvent(const orders::OrderEvent& ev) {
  const std::string& t = ev.type;
  if (t != "order.rider_assigned" && t != "order.picked_up" && t != "order.delivered" && t != "order.cancelled" &&
      t != "order.rejected") {
    return;
  }
  if (t == "order.picked_up") {
    // Now, not at the reload: the next fix already measures the distance to the customer.
    std::lock_guard lock(mu_);
    if (auto it = tracked_.find(ev.order_id); it != tracked_.end() && it->second.active) it->second.active->picked_up = true;
  }
  {
    std::lock_guard lock(work_mu_);
    refresh_.push_back(ev.order_id);
  }
  work_cv_.notify_one();
}

void LiveTracking::Refresh(const std::string& order_id) {
  const identity::Principal system{"system", identity::Role::kAdmin, ""};
  auto o = orders_.Get(system, order_id);
  std::optional<Active> next;
  if (o.ok() && !o->rider_id.empty() &&
      (o->status == OrderStatus::kAccepted || o->status == OrderStatus::kReady || o->status == OrderStatus::kPickedUp)) {
    auto restaurant = catalog_.GetRestaurant(o->restaurant_id);
    if (restaurant.ok()) {
      next = Active{o->rider_id, restaurant->location, o->delivery, o->status == OrderStatus::kPickedUp, false, false};
    }
  } else if (!o.ok() && o.error().code != ErrorCode::kNotFound) {
    log_.Warn("live tracking: cannot load order", {{"order_id", order_id}, {"error", o.error().message}});
    return;
  }
  std::lock_guard lock(mu_);
  auto it = tracked_.find(order_id);
  if (it != tracked_.end() && it->second.active) {
    const Active& was = *it->second.active;
    if (next && next->rider_id == was.rider_id) {
      next->at_restaurant = was.at_restaurant;
      next->arriving = was.arriving;
    }
    UnlinkRiderLocked(was.rider_id, &*it);
    it->second.active.reset();
  }
  if (next) {
    if (it == tracked_.end()) it = tracked_.try_emplace(order_id).first;
    it->second.active = std::move(*next);
    by_rider_[it->second.active->rider_id].push_back(&*it);
  } else if (it != tracked_.end() && it->second.subs.empty()) {
    tracked_.erase(it);
  }
}

void LiveTracking::UnlinkRiderLocked(const std::string& rider_id, OrderEntry* entry) {
  auto r = by_rider_.find(rider_id);
  if (r == by_rider_.end()) return;
  std::erase(r->second, entry);
  if (r->second.empty()) by_rider_.erase(r);
}

void LiveTracking::SendPositionLocked(Subscription& sub, const std::string& json, Millis fix_at, Millis now) {
  if (sub.stopped) return;
  if (sub.pacer.TryAdmit(now, fix_at)) {
    sub.pending.clear();
    sub.watcher->SendPosition(json);
    positions_sent_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!sub.pending.empty()) positions_coalesced_.fetch_add(1, std::memory_order_relaxed);
  sub.pending = json;  // only the newest waits
  sub.pending_at = fix_at;
  const Millis due = sub.pacer.DueAt(fix_at);
  if (due < sub.deferred_due) {  // a newer fix may be due earlier: list it again (FlushDeferred skips the old entry)
    sub.deferred_due = due;
    deferred_.push_back({due, sub.weak_from_this()});
    std::push_heap(deferred_.begin(), deferred_.end(), std::greater<>());
    WakeBy(due);
  }
}

void LiveTracking::WakeBy(Millis due) {
  std::lock_guard lock(work_mu_);  // lock order: mu_, then work_mu_ (never the other way round)
  earliest_ = std::min(earliest_, due);
  if (due < next_wake_) work_cv_.notify_one();
}

void LiveTracking::OnFix(const std::string& rider_id, const Fix& fix) {
  const Millis now = clock_.NowMillis();
  std::vector<Milestone> raised;
  {
    std::lock_guard lock(mu_);
    auto r = by_rider_.find(rider_id);
    if (r == by_rider_.end()) return;
    std::string json;
    for (OrderEntry* entry : r->second) {
      const std::string& order_id = entry->first;
      Active& a = *entry->second.active;
      if (!a.picked_up && !a.at_restaurant && geo::DistanceMeters(fix.position, a.restaurant) <= settings_.geofence_m) {
        a.at_restaurant = true;
        raised.push_back({order_id, rider_id, "rider.arrived_restaurant",
                          fmt::format(R"({{"position":{{"lat":{},"lon":{}}},"distance_m":{}}})", fix.position.lat,
                                      fix.position.lon, std::round(geo::DistanceMeters(fix.position, a.restaurant)))});
      }
      if (a.picked_up && !a.arriving && geo::DistanceMeters(fix.position, a.customer) <= settings_.geofence_m) {
        a.arriving = true;
        raised.push_back({order_id, rider_id, "rider.arriving",
                          fmt::format(R"({{"position":{{"lat":{},"lon":{}}},"distance_m":{}}})", fix.position.lat,
                                      fix.position.lon, std::round(geo::DistanceMeters(fix.position, a.customer)))});
      }
      if (entry->second.subs.empty()) continue;
      json.clear();
      AppendPositionJson(json,
                         MakePositionFrame(order_id, rider_id, fix, a.picked_up, a.restaurant, a.customer,
                                           settings_.rider_speed_kmh),
                         now);
      for (const auto& sub : entry->second.subs) SendPositionLocked(*sub, json, fix.at, now);
    }
  }
  if (raised.empty()) return;
  {
    std::lock_guard lock(work_mu_);
    for (auto& m : raised) milestones_.push_back(std::move(m));
  }
  work_cv_.notify_one();
}

Millis LiveTracking::FlushDeferred(Millis now) {
  std::lock_guard lock(mu_);
  while (!deferred_.empty() && deferred_.front().due <= now) {
    std::pop_heap(deferred_.begin(), deferred_.end(), std::greater<>());
    const Millis due = deferred_.back().due;
    auto sub = deferred_.back().sub.lock();
    deferred_.pop_back();
    if (!sub || sub->deferred_due != due) continue;  // gone, or listed again for an earlier time
    sub->deferred_due = INT64_MAX;
    if (sub->stopped || sub->pending.empty()) continue;
    // Sent as of its due time, not of this (maybe late) wake-up: a worker running late must not
    // push the subscriber's next positions later too.
    const Millis due_at = sub->pacer.DueAt(sub->pending_at);
    if (now >= due_at && sub->pacer.TryAdmit(due_at, sub->pending_at)) {
      sub->watcher->SendPosition(sub->pending);
      positions_sent_.fetch_add(1, std::memory_order_relaxed);
      sub->pending.clear();
      continue;
    }
    sub->deferred_due = sub->pacer.DueAt(sub->pending_at);  // not due after all: keep it
    deferred_.push_back({sub->deferred_due, sub});
    std::push_heap(deferred_.begin(), deferred_.end(), std::greater<>());
  }
  return deferred_.empty() ? INT64_MAX : deferred_.front().due;
}

void LiveTracking::Loop() {
  Millis due = INT64_MAX;  // the earliest held-back position
  while (true) {
    std::deque<std::string> refresh;
    std::deque<Milestone> milestones;
    {
      std::unique_lock lock(work_mu_);
      const Millis target = std::min(due, earliest_);
      next_wake_ = target;
      // Bounded by a second: the clock may be a test's, and a due time may be far off.
      const Millis wait_ms = std::clamp<Millis>(target == INT64_MAX ? 1000 : target - clock_.NowMillis(), 0, 1000);
      work_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] {
        return stopping_ || !refresh_.empty() || !milestones_.empty() || earliest_ < target;
      });
      if (stopping_) return;
      next_wake_ = INT64_MIN;
      earliest_ = INT64_MAX;  // what was deferred until now is in deferred_, which FlushDeferred reads next
      refresh.swap(refresh_);
      milestones.swap(milestones_);
    }
    for (const auto& id : refresh) Refresh(id);
    for (const auto& m : milestones) {
      auto r = orders_.RecordRiderMilestone(m.order_id, m.rider_id, m.type, m.extra);
      if (!r.ok()) {
        log_.Warn("live tracking: geofence event not recorded",
                  {{"order_id", m.order_id}, {"type", m.type}, {"error", r.error().message}});
      }
    }
    due = FlushDeferred(clock_.NowMillis());
  }
}

std::shared_ptr<LiveTracking::Subscription> LiveTracking::Subscribe(const identity::Principal& who,
                                                                    const std::string& order_id, std::int64_t after_seq,
                                                                    std::shared_ptr<Watcher> watcher) {
  auto sub = std::make_shared<Subscription>(settings_.position_interval_ms, settings_.position_tolerance_ms);
  sub->order_id = order_id;
  sub->watcher = std::move(watcher);
  std::weak_ptr<Watcher> weak = sub->watcher;
  sub->feed = std::make_shared<orders::OrderFeed>(hub_, order_id, after_seq, [weak](const orders::OrderEvent& ev) {
    auto w = weak.lock();
    return w && w->SendStatus(ev);
  });
  {
    std::lock_guard lock(mu_);
    tracked_[order_id].subs.push_back(sub);
  }
  subscriptions_.fetch_add(1, std::memory_order_relaxed);
  sub->feed->Start([this, who, order_id](std::int64_t seq) { return orders_.EventsAfter(who, order_id, seq); });
  bool known = false;
  {
    std::lock_guard lock(mu_);
    auto it = tracked_.find(order_id);
    known = it != tracked_.end() && it->second.active;
  }
  if (!known) Refresh(order_id);  // just assigned: the worker may not have loaded it yet
  // The rider's current position right away, if the order has one.
  std::lock_guard lock(mu_);
  auto it = tracked_.find(order_id);
  if (it == tracked_.end() || !it->second.active) return sub;
  const Active& a = *it->second.active;
  auto pos = tracker_.Position(a.rider_id);
  if (!pos) return sub;
  Fix fix;
  fix.position = pos->position;
  fix.at = pos->updated_at;
  // A snapshot for the new subscriber, outside the pacing of the live positions that follow.
  const Millis now = clock_.NowMillis();
  sub->watcher->SendPosition(PositionJson(
      MakePositionFrame(order_id, a.rider_id, fix, a.picked_up, a.restaurant, a.customer, settings_.rider_speed_kmh),
      now));
  positions_sent_.fetch_add(1, std::memory_order_relaxed);
  return sub;
}

void LiveTracking::Unsubscribe(const std::shared_ptr<Subscription>& sub) {
  if (!sub) return;
  {
    std::lock_guard lock(mu_);
    if (sub->stopped) return;
    sub->stopped = true;
    auto it = tracked_.find(sub->order_id);
    if (it != tracked_.end()) {
      std::erase(it->second.subs, sub);
      if (it->second.subs.empty() && !it->second.active) tracked_.erase(it);
    }
  }
  subscriptions_.fetch_sub(1, std::memory_order_relaxed);
  sub->feed->Stop();
}

}  // namespace hotpath::tracking
