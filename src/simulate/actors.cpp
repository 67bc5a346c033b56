// What the virtual customers, restaurants and riders do: each function is one step of an actor and
// schedules the next one. Requests are made without holding the bookkeeping lock.

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "core/json.h"
#include "simulate/json_access.h"
#include "simulate/simulation.h"

namespace hotpath::simulate {
namespace bj = boost::json;
using Clock = Scheduler::Clock;

namespace {

constexpr double kMaxRealSpeedMps = 180 / 3.6;  // the server flags fixes implying more than 200 km/h
constexpr double kTickSeconds = 1.0;            // a rider acts (moves, polls offers) once per real second
constexpr double kKeepAliveSeconds = 10;        // an idle rider re-reports its position this often

std::int64_t UnixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Counts a placement as in flight for its whole duration (the drain waits for it).
class InFlight {
 public:
  explicit InFlight(std::atomic<int>& n) : n_(n) { ++n_; }
  ~InFlight() { --n_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<int>& n_;
};

}  // namespace

// ---- customers --------------------------------------------------------------------------------

void Simulation::ScheduleNextArrival(double after_s) {
  if (!ordering_ || Stopping()) return;
  double at = arrivals_->Next(after_s);
  sched_->At(RealAt(at), [this, at](HttpClient& http) {
    int n = arrivals_seen_++;
    ScheduleNextArrival(at);  // the chain continues first: a slow placement never delays the next
    if (ordering_) PlaceCurveOrder(http, n);
  });
}

void Simulation::PlaceCurveOrder(HttpClient& http, int n) {
  std::mt19937_64 rng(o_.seed * 1000003ULL + static_cast<std::uint64_t>(n));
  int c = static_cast<int>(rng() % customers_.size());
  const Customer& customer = customers_[c];
  // Browse: the restaurants near home that this simulation runs.
  InFlight guard(in_flight_);
  auto page = http.Get(fmt::format("/v1/restaurants?lat={:.6f}&lon={:.6f}&radius_m=3000&limit=20",
                                   customer.home.lat, customer.home.lon), customer.token);
  if (Failed("browse", page)) return;
  std::vector<int> nearby;
  auto listing = page.Json();
  for (const auto& r : Items(listing, "items")) {
    if (auto it = restaurant_index_.find(Str(r, "id")); it != restaurant_index_.end()) nearby.push_back(it->second);
  }
  if (nearby.empty()) {
    CountError("browse found no simulated restaurant within 3 km");
    return;
  }
  int r = nearby[rng() % std::min<std::size_t>(nearby.size(), 5)];  // one of the five nearest
  std::uniform_real_distribution<double> jitter(-0.001, 0.001);
  std::uniform_real_distribution<double> prep(8, 20);
  PlaceOrder(http, n, c, r, {customer.home.lat + jitter(rng), customer.home.lon + jitter(rng)}, std::round(prep(rng)));
}

void Simulation::PlaceOrder(HttpClient& http, int n, int c, int r, geo::Point dropoff, double prep_min) {
  if (Stopping()) return;
  InFlight guard(in_flight_);
  std::mt19937_64 rng(o_.seed * 7919ULL + static_cast<std::uint64_t>(n));
  const Customer& customer = customers_[c];
  const Restaurant& restaurant = restaurants_[r];
  auto menu = http.Get("/v1/restaurants/" + restaurant.id + "/menu", customer.token);
  if (Failed("menu", menu)) return;
  std::vector<std::string> available;
  auto dishes = menu.Json();
  for (const auto& item : Items(dishes, "items")) {
    if (Flag(item, "available")) available.push_back(Str(item, "id"));
  }
  if (available.empty()) {
    CountError("menu had nothing available");
    return;
  }
  bj::array items;
  std::shuffle(available.begin(), available.end(), rng);
  int lines = 1 + static_cast<int>(rng() % std::min<std::size_t>(3, available.size()));
  for (int i = 0; i < lines; ++i) {
    items.push_back(bj::object{{"item_id", available[i]}, {"quantity", 1 + static_cast<int>(rng() % 2)}});
  }
  bj::object body{{"restaurant_id", restaurant.id},
                  {"items", items},
                  {"delivery", bj::object{{"lat", dropoff.lat}, {"lon", dropoff.lon},
                                          {"address", fmt::format("{} Simulation Street", 1 + n % 400)}}}};
  auto quote = http.Post("/v1/orders/quote", body, customer.token);
  if (Failed("quote", quote)) return;
  // Like an app, the customer orders on the quote they saw: the quoted delivery fee holds.
  const auto quoted = quote.Json();
  const std::string quote_id = Str(quoted, "quote_id");
  if (!quote_id.empty()) body["quote_id"] = quote_id;
  body["payment_method"] = "tok_visa";
  auto placed = http.Post("/v1/orders", body, customer.token,
                          {fmt::format("Idempotency-Key: sim-{}-{}", run_id_, n)});
  if (placed.status == 402) {
    std::lock_guard lock(mu_);
    ++summary_.declined;
    return;
  }
  if (Failed("place", placed)) return;
  const auto order = placed.Json();
  std::string id = Str(order, "id");
  double now_s = SimNow();
  const auto& quoted_fee = Field(Field(quoted, "delivery_fee"), "amount");
  const auto& charged_fee = Field(Field(order, "delivery_fee"), "amount");
  const bool fee_held = !quote_id.empty() && quoted_fee.is_int64() && charged_fee.is_int64() &&
                        quoted_fee.get_int64() == charged_fee.get_int64();
  if (!quote_id.empty() && !fee_held) CountError("placed order's delivery fee differs from its quote");
  {
    std::lock_guard lock(mu_);
    orders_[id] = Order{id, now_s, r, c, OrderState::kPlaced, -1};
    ++summary_.placed;
    if (fee_held) ++summary_.placed_on_quote;
  }
  // The customer may change their mind before the restaurant answers (30-60 s); the restaurant
  // answers after 1-3 minutes.
  std::uniform_real_distribution<double> u(0, 1);
  double fate = u(rng);
  if (fate < o_.cancel_rate) {
    AfterSim(30 + 30 * u(rng), [this, id](HttpClient& h) { CustomerCancels(h, id); });
  }
  bool reject = fate >= o_.cancel_rate && fate < o_.cancel_rate + o_.reject_rate;
  AfterSim(60 + 120 * u(rng), [this, id, prep_min, reject](HttpClient& h) { RestaurantDecides(h, id, prep_min, reject); });
}

void Simulation::CustomerCancels(HttpClient& http, const std::string& id) {
  std::string token;
  {
    std::lock_guard lock(mu_);
    const auto& o = orders_.at(id);
    if (o.state != OrderState::kPlaced) return;
    token = customers_[o.customer].token;
  }
  auto r = http.Post("/v1/orders/" + id + "/cancel", bj::object{{"reason", "changed my mind"}}, token);
  if (Failed("cancel", r)) return;
  std::lock_guard lock(mu_);
  orders_.at(id).state = OrderState::kCancelled;
  ++summary_.cancelled;
}

// An order of ours that someone else (an admin, a human at the restaurant) cancelled.
void Simulation::SyncCancelled(HttpClient& http, const std::string& id, const std::string& token) {
  auto o = http.Get("/v1/orders/" + id, token);
  if (Failed("order status", o) || Str(o.Json(), "status") != "cancelled") return;
  std::lock_guard lock(mu_);
  auto it = orders_.find(id);
  if (it == orders_.end() || it->second.state == OrderState::kCancelled) return;
  it->second.state = OrderState::kCancelled;
  ++summary_.cancelled;
}

// ---- restaurants ------------------------------------------------------------------------------

void Simulation::RestaurantDecides(HttpClient& http, const std::string& id, double prep_min, bool reject) {
  std::string token;
  {
    std::lock_guard lock(mu_);
    const auto& o = orders_.at(id);
    if (o.state != OrderState::kPlaced) return;  // cancelled meanwhile
    token = restaurants_[o.restaurant].token;
  }
  if (reject) {
    auto r = http.Post("/v1/orders/" + id + "/reject", bj::object{{"reason", "kitchen too busy"}}, token);
    if (Failed("reject", r)) return;
    std::lock_guard lock(mu_);
    orders_.at(id).state = OrderState::kRejected;
    ++summary_.rejected;
    return;
  }
  auto r = http.Post("/v1/orders/" + id + "/accept", bj::object{{"prep_minutes", static_cast<int>(prep_min)}}, token);
  if (Failed("accept", r)) return;
  {
    std::lock_guard lock(mu_);
    orders_.at(id).state = OrderState::kAccepted;
  }
  AfterSim(prep_min * 60, [this, id](HttpClient& h) { RestaurantReady(h, id); });
}

void Simulation::RestaurantReady(HttpClient& http, const std::string& id) {
  std::string token;
  {
    std::lock_guard lock(mu_);
    const auto& o = orders_.at(id);
    if (o.state != OrderState::kAccepted) return;
    token = restaurants_[o.restaurant].token;
  }
  auto r = http.Post("/v1/orders/" + id + "/ready", bj::object{}, token);
  if (Failed("ready", r)) return;
  std::lock_guard lock(mu_);
  auto& o = orders_.at(id);
  if (o.state == OrderState::kAccepted) o.state = OrderState::kReady;
}

// ---- riders -----------------------------------------------------------------------------------

void Simulation::SendFix(HttpClient& http, Rider& rider) {
  rider.last_fix = Clock::now();
  HttpResponse r;
  if (batch_fixes_ != 0) {
    bj::object fix{{"lat", rider.pos.lat}, {"lon", rider.pos.lon}, {"at", json::FormatTime(UnixMillisNow())}};
    r = http.Post("/v1/riders/me/locations", bj::object{{"fixes", bj::array{fix}}}, rider.token);
    if (r.status == 404 || r.status == 405) {
      batch_fixes_ = 0;  // a server without batch ingest: one fix per request
    } else if (r.ok()) {
      batch_fixes_ = 1;
    }
  }
  if (batch_fixes_ == 0) {
    r = http.Post("/v1/riders/me/location", bj::object{{"lat", rider.pos.lat}, {"lon", rider.pos.lon}}, rider.token);
  }
  if (Failed("location fix", r)) return;
  std::lock_guard lock(mu_);
  ++summary_.fixes_sent;
}

std::optional<geo::Point> Simulation::RestaurantLocation(HttpClient& http, const std::string& restaurant_id) {
  if (auto it = restaurant_index_.find(restaurant_id); it != restaurant_index_.end()) {
    return restaurants_[it->second].location;
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = foreign_restaurants_.find(restaurant_id); it != foreign_restaurants_.end()) return it->second;
  }
  auto r = http.Get("/v1/restaurants/" + restaurant_id);
  if (Failed("restaurant lookup", r)) return std::nullopt;
  auto body = r.Json();
  auto where = PointOf(Field(body, "location"));
  if (!where) {
    CountError("restaurant lookup without a location");
    return std::nullopt;
  }
  geo::Point p = *where;
  std::lock_guard lock(mu_);
  foreign_restaurants_[restaurant_id] = p;
  return p;
}

void Simulation::RiderTick(HttpClient& http, int index) {
  if (Stopping()) return;
  Rider& rider = *riders_[index];
  auto now = Clock::now();
  double dt = std::chrono::duration<double>(now - rider.last_tick).count();
  rider.last_tick = now;
  double now_s = SimNow();
  if (!rider.online || rider.route.empty()) {
    RiderStartOrEnd(http, rider, now_s);
    if (rider.online && rider.route.empty()) RiderLookForOffer(http, rider);
    if (rider.online && rider.route.empty() && now - rider.last_fix >= std::chrono::seconds(static_cast<int>(kKeepAliveSeconds)))
      SendFix(http, rider);
  } else if (rider.service_until_s < 0) {
    // On the way: straight line at the simulated speed, never faster in real terms than the server accepts.
    double metres = std::min(speed_mps_ * o_.speedup, kMaxRealSpeedMps) * dt;
    rider.pos = Toward(rider.pos, rider.route.front().at, metres);
    SendFix(http, rider);
    if (geo::DistanceMeters(rider.pos, rider.route.front().at) < 1) {
      rider.service_until_s = now_s + (rider.route.front().pickup ? pickup_service_s_ : dropoff_service_s_);
    }
  } else {
    RiderAtStop(http, rider, now_s);
  }
  sched_->After(kTickSeconds, [this, index](HttpClient& h) { RiderTick(h, index); });
}

void Simulation::RiderStartOrEnd(HttpClient& http, Rider& rider, double now_s) {
  if (o_.mdrp.empty()) {  // curve mode: every rider works all the time
    if (!rider.online) {
      auto r = http.Post("/v1/riders/me/online", bj::object{{"lat", rider.pos.lat}, {"lon", rider.pos.lon}}, rider.token);
      if (!Failed("online", r)) rider.online = true;
    }
    return;
  }
  while (!rider.shifts.empty() && rider.shifts.front().off_s <= now_s && !rider.online) rider.shifts.pop_front();
  bool on_shift = !rider.shifts.empty() && rider.shifts.front().on_s <= now_s && now_s < rider.shifts.front().off_s;
  if (rider.online && !on_shift) {
    auto r = http.Post("/v1/riders/me/offline", bj::object{}, rider.token);
    if (!Failed("offline", r)) {
      rider.online = false;
      if (!rider.shifts.empty() && rider.shifts.front().off_s <= now_s) rider.shifts.pop_front();
    }
  } else if (!rider.online && on_shift) {
    rider.pos = rider.shifts.front().start;
    auto r = http.Post("/v1/riders/me/online", bj::object{{"lat", rider.pos.lat}, {"lon", rider.pos.lon}}, rider.token);
    if (!Failed("online", r)) rider.online = true;
  }
}

void Simulation::RiderLookForOffer(HttpClient& http, Rider& rider) {
  auto offers = http.Get("/v1/offers", rider.token);
  if (Failed("offers", offers)) return;
  auto listing = offers.Json();
  const auto& items = Items(listing, "items");
  if (items.empty()) return;
  std::string offer_id = Str(items.front(), "id");
  auto accepted = http.Post("/v1/offers/" + offer_id + "/accept", bj::object{}, rider.token);
  if (accepted.status == 409) return;  // expired or withdrawn meanwhile: the next epoch plans again
  if (Failed("accept offer", accepted)) return;
  auto body = accepted.Json();
  const auto& offer = Field(body, "offer");
  auto where = RestaurantLocation(http, Str(offer, "restaurant_id"));
  if (!where) return;
  Stop pickup{true, *where, {}};
  std::map<std::string, geo::Point> dropoffs;
  for (const auto& o : Items(body, "orders")) {
    if (auto d = PointOf(Field(o, "delivery"))) dropoffs[Str(o, "id")] = *d;
  }
  rider.route.clear();
  for (const auto& id : Items(offer, "order_ids")) {
    std::string oid = id.is_string() ? std::string(id.get_string()) : "";
    if (!dropoffs.contains(oid)) {
      CountError("accepted offer without the order's delivery");
      continue;
    }
    pickup.order_ids.push_back(oid);
    rider.route.push_back(Stop{false, dropoffs[oid], {oid}});
  }
  rider.route.push_front(std::move(pickup));
  rider.service_until_s = -1;
  std::lock_guard lock(mu_);
  ++summary_.offers_accepted;
}

void Simulation::RiderAtStop(HttpClient& http, Rider& rider, double now_s) {
  if (now_s < rider.service_until_s) return;
  Stop& stop = rider.route.front();
  if (stop.pickup) {
    // Wait at the counter until the restaurant has marked every order of the bundle ready.
    for (const auto& id : stop.order_ids) {
      std::unique_lock lock(mu_);
      auto it = orders_.find(id);
      if (it != orders_.end()) {
        if (it->second.state == OrderState::kAccepted || it->second.state == OrderState::kPlaced) return;
        continue;
      }
      lock.unlock();  // an order someone else placed: ask the server
      auto o = http.Get("/v1/orders/" + id, rider.token);
      if (Failed("order status", o)) return;
      auto status = Str(o.Json(), "status");
      if (status == "placed" || status == "accepted") return;
    }
    const std::vector<std::string> ids = stop.order_ids;  // the route changes below
    for (const auto& id : ids) {
      auto r = http.Post("/v1/orders/" + id + "/pickup", bj::object{}, rider.token);
      if (r.status == 409) {  // cancelled by its restaurant or an admin meanwhile: skip its drop-off
        SyncCancelled(http, id, rider.token);
        std::erase_if(rider.route, [&](const Stop& s) { return !s.pickup && s.order_ids.front() == id; });
        continue;
      }
      if (Failed("pickup", r)) return;  // retried next tick
      std::lock_guard lock(mu_);
      if (auto it = orders_.find(id); it != orders_.end()) it->second.state = OrderState::kPickedUp;
    }
  } else {
    const std::string& id = stop.order_ids.front();
    auto r = http.Post("/v1/orders/" + id + "/deliver", bj::object{}, rider.token);
    if (r.status != 409 && Failed("deliver", r)) return;  // a transient failure: try again next tick
    if (r.ok()) {
      std::lock_guard lock(mu_);
      if (auto it = orders_.find(id); it != orders_.end()) {
        it->second.state = OrderState::kDelivered;
        it->second.click_to_door_min = (now_s - it->second.placed_s) / 60;
        summary_.click_to_door_min.push_back(it->second.click_to_door_min);
        ++summary_.delivered;
      }
    } else {
      CountError("deliver 409");
      SyncCancelled(http, id, rider.token);
    }
  }
  rider.route.pop_front();
  rider.service_until_s = -1;
}

}  // namespace hotpath::simulate
