#include "simulate/json_access.h"
#include "simulate/simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <thread>

#include "dispatch/mdrp/instance.h"

namespace hotpath::simulate {
namespace bj = boost::json;
using Clock = Scheduler::Clock;

namespace {

constexpr const char* kCustomerPassword = "simulated-customer-password";

}  // namespace

Simulation::Simulation(Options options) : o_(std::move(options)) {
  std::random_device rd;
  run_id_ = fmt::format("{:08x}", rd());
  summary_.mode = o_.mdrp.empty() ? "curve" : "mdrp";
  summary_.speedup = o_.speedup;
  speed_mps_ = o_.rider_speed_kmh / 3.6;
  if (!o_.mdrp.empty()) o_.cancel_rate = o_.reject_rate = 0;  // an instance's orders are all delivered
}

Simulation::~Simulation() {
  if (sched_) sched_->Stop();
}

double Simulation::SimNow() const {
  return sim_start_s_ + std::chrono::duration<double>(Clock::now() - real_start_).count() * o_.speedup;
}

Clock::time_point Simulation::RealAt(double sim_s) const {
  return real_start_ +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>((sim_s - sim_start_s_) / o_.speedup));
}

void Simulation::AfterSim(double sim_seconds, Scheduler::Task task) {
  if (Stopping()) return;
  sched_->After(sim_seconds / o_.speedup, std::move(task));
}

void Simulation::CountError(const std::string& kind, const std::string& sample) {
  std::lock_guard lock(mu_);
  if (++summary_.errors[kind] == 1 && !sample.empty()) summary_.error_samples[kind] = sample.substr(0, 400);
}

bool Simulation::Failed(const std::string& step, const HttpResponse& r) {
  if (r.status == 0) {
    ++consecutive_unreachable_;
    CountError(step + " unreachable");
    return true;
  }
  consecutive_unreachable_ = 0;
  if (r.ok()) return false;
  CountError(fmt::format("{} {}", step, r.status), r.body);
  return true;
}

Status Simulation::LoginRestaurants() {
  restaurants_.resize(o_.restaurants);
  std::vector<std::string> problems(o_.restaurants);
  sched_->ParallelFor(o_.restaurants, [&](HttpClient& http, int i) {
    std::string email = fmt::format("staff{:02}@demo.hotpath.dev", i + 1);
    auto r = http.Post("/v1/auth/login", bj::object{{"email", email}, {"password", o_.password}});
    if (!r.ok()) {
      problems[i] = fmt::format("logging in {}: {}", email, r.Describe());
      return;
    }
    auto body = r.Json();
    restaurants_[i].token = Str(body, "token");
    restaurants_[i].id = Str(Field(body, "user"), "restaurant_id");
    auto rest = http.Get("/v1/restaurants/" + restaurants_[i].id);
    auto menu = http.Get("/v1/restaurants/" + restaurants_[i].id + "/menu");
    auto rest_json = rest.Json();
    auto loc = rest.ok() ? PointOf(Field(rest_json, "location")) : std::nullopt;
    if (!loc || !menu.ok()) {
      problems[i] = fmt::format("reading the restaurant of {}: {}", email, (rest.ok() ? menu : rest).Describe());
      return;
    }
    restaurants_[i].location = *loc;
    auto dishes = menu.Json();
    for (const auto& item : Items(dishes, "items")) {
      if (Flag(item, "available")) restaurants_[i].items.push_back(Str(item, "id"));
    }
    if (restaurants_[i].items.empty()) problems[i] = fmt::format("the restaurant of {} has nothing available", email);
  });
  for (const auto& p : problems) {
    if (!p.empty()) return Error::Unavailable(p + " (is this a `hotpath serve --demo` server?)");
  }
  for (int i = 0; i < o_.restaurants; ++i) restaurant_index_[restaurants_[i].id] = i;
  return OkStatus();
}

Status Simulation::LoginRiders(int count) {
  std::vector<std::string> problems(count);
  int first = static_cast<int>(riders_.size());
  for (int i = first; i < count; ++i) {
    riders_.push_back(std::make_unique<Rider>());
    riders_.back()->email = fmt::format("rider{:02}@demo.hotpath.dev", i + 1);
  }
  sched_->ParallelFor(count - first, [&](HttpClient& http, int k) {
    Rider& rider = *riders_[first + k];
    auto r = http.Post("/v1/auth/login", bj::object{{"email", rider.email}, {"password", o_.password}});
    if (!r.ok()) {
      problems[k] = fmt::format("logging in {}: {}", rider.email, r.Describe());
      return;
    }
    auto body = r.Json();
    rider.token = Str(body, "token");
    rider.id = Str(Field(body, "user"), "id");
    auto me = http.Get("/v1/riders/me", rider.token);
    if (me.ok()) {
      auto j = me.Json();
      if (auto p = PointOf(Field(j, "location"))) rider.pos = *p;
      rider.online = Str(j, "status") != "offline";
    }
    if (rider.pos.lat == 0 && rider.pos.lon == 0) rider.pos = restaurants_[k % restaurants_.size()].location;
  });
  for (const auto& p : problems) {
    if (!p.empty()) return Error::Unavailable(p);
  }
  return OkStatus();
}

Status Simulation::SignUpCustomers() {
  customers_.resize(o_.customers);
  std::mt19937_64 rng(o_.seed ^ 0x5eedc0ffeeULL);
  std::uniform_real_distribution<double> jitter(-0.012, 0.012);
  for (auto& c : customers_) {  // homes near a restaurant: every home has food within reach
    auto base = restaurants_[rng() % restaurants_.size()].location;
    c.home = {base.lat + jitter(rng), base.lon + jitter(rng)};
  }
  std::vector<std::string> problems(o_.customers);
  sched_->ParallelFor(o_.customers, [&](HttpClient& http, int i) {
    std::string email = fmt::format("sim-{}-{}@sim.hotpath.dev", run_id_, i + 1);
    auto r = http.Post("/v1/auth/signup", bj::object{{"email", email},
                                                     {"password", kCustomerPassword},
                                                     {"name", fmt::format("Simulated Customer {}", i + 1)}});
    if (!r.ok()) {
      problems[i] = fmt::format("signing up {}: {}", email, r.Describe());
      return;
    }
    auto body = r.Json();
    customers_[i].token = Str(body, "token");
    customers_[i].id = Str(Field(body, "user"), "id");
  });
  for (const auto& p : problems) {
    if (!p.empty()) return Error::Unavailable(p);
  }
  return OkStatus();
}

Status Simulation::LoadMdrp() {
  auto loaded = dispatch::mdrp::LoadInstance(o_.mdrp);
  if (auto* err = std::get_if<dispatch::mdrp::LoadError>(&loaded)) {
    return Error::Invalid("--mdrp: " + err->ToString());
  }
  instance_ = std::move(std::get<dispatch::mdrp::Instance>(loaded));
  if (instance_->orders.empty()) return Error::Invalid("--mdrp: the instance has no orders");
  return OkStatus();
}

Status Simulation::PrepareMdrp(HttpClient& http) {
  const auto& inst = *instance_;
  summary_.instance = inst.name;
  // The plane of the instance onto the box of the simulated restaurants.
  double min_x = 1e18, min_y = 1e18, max_x = -1e18, max_y = -1e18;
  auto extend = [&](dispatch::Point p) {
    min_x = std::min(min_x, p.x), min_y = std::min(min_y, p.y);
    max_x = std::max(max_x, p.x), max_y = std::max(max_y, p.y);
  };
  for (const auto& r : inst.restaurants) extend(r.location);
  for (const auto& o : inst.orders) extend(o.dropoff);
  for (const auto& c : inst.couriers) extend(c.start);
  CityBox box{1e9, 1e9, -1e9, -1e9};
  for (const auto& r : restaurants_) {
    box.min_lat = std::min(box.min_lat, r.location.lat), box.max_lat = std::max(box.max_lat, r.location.lat);
    box.min_lon = std::min(box.min_lon, r.location.lon), box.max_lon = std::max(box.max_lon, r.location.lon);
  }
  box.min_lat -= 0.004, box.max_lat += 0.004, box.min_lon -= 0.004, box.max_lon += 0.004;
  PlaneMapping map(min_x, min_y, max_x, max_y, box);
  // The instance's timings survive the mapping: speed scales with the distances.
  speed_mps_ = inst.parameters.metres_per_minute * map.scale() / 60.0;
  pickup_service_s_ = static_cast<double>(inst.parameters.pickup_service) / 2;
  dropoff_service_s_ = static_cast<double>(inst.parameters.dropoff_service) / 2;
  std::vector<int> nearest(inst.restaurants.size());
  for (std::size_t i = 0; i < inst.restaurants.size(); ++i) {
    auto p = map.ToCity(inst.restaurants[i].location.x, inst.restaurants[i].location.y);
    double best = 1e18;
    for (std::size_t k = 0; k < restaurants_.size(); ++k) {
      double d = geo::DistanceMeters(p, restaurants_[k].location);
      if (d < best) best = d, nearest[i] = static_cast<int>(k);
    }
  }
  for (const auto& o : inst.orders) {
    planned_.push_back({static_cast<double>(o.placed), nearest[o.restaurant], map.ToCity(o.dropoff.x, o.dropoff.y),
                        std::clamp(static_cast<double>(o.ready - o.placed) / 60.0, 1.0, 180.0)});
  }
  std::sort(planned_.begin(), planned_.end(), [](const auto& a, const auto& b) { return a.placed_s < b.placed_s; });
  // Couriers onto rider accounts: the demo riders first, more created by the admin if shifts overlap more.
  std::vector<std::pair<double, double>> shifts;
  for (const auto& c : inst.couriers) shifts.emplace_back(static_cast<double>(c.on), static_cast<double>(c.off));
  auto account = AssignShifts(shifts);
  int needed = account.empty() ? 0 : *std::max_element(account.begin(), account.end()) + 1;
  if (needed > static_cast<int>(riders_.size())) {
    auto admin = http.Post("/v1/auth/login", bj::object{{"email", o_.admin_email}, {"password", o_.password}});
    if (!admin.ok()) return Error::Unavailable("logging in the admin to create riders: " + admin.Describe());
    std::string token = Str(admin.Json(), "token");
    admin_token_ = token;
    int have = static_cast<int>(riders_.size());
    std::vector<std::string> problems(needed - have);
    std::vector<std::unique_ptr<Rider>> extra(needed - have);
    sched_->ParallelFor(needed - have, [&](HttpClient& h, int k) {
      auto rider = std::make_unique<Rider>();
      rider->email = fmt::format("sim-{}-rider{:03}@sim.hotpath.dev", run_id_, have + k + 1);
      auto made = h.Post("/v1/users", bj::object{{"email", rider->email}, {"password", kCustomerPassword},
                                                 {"name", fmt::format("Simulated Rider {}", have + k + 1)},
                                                 {"role", "rider"}}, token);
      auto login = made.ok() ? h.Post("/v1/auth/login", bj::object{{"email", rider->email}, {"password", kCustomerPassword}})
                             : made;
      if (!login.ok()) {
        problems[k] = fmt::format("creating rider {}: {}", rider->email, login.Describe());
        return;
      }
      auto session = login.Json();
      rider->token = Str(session, "token");
      rider->id = Str(Field(session, "user"), "id");
      extra[k] = std::move(rider);
    });
    for (const auto& p : problems) {
      if (!p.empty()) return Error::Unavailable(p);
    }
    for (auto& r : extra) riders_.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < inst.couriers.size(); ++i) {
    riders_[account[i]]->shifts.push_back(
        {shifts[i].first, shifts[i].second, map.ToCity(inst.couriers[i].start.x, inst.couriers[i].start.y)});
  }
  for (auto& r : riders_) {
    std::sort(r->shifts.begin(), r->shifts.end(), [](const auto& a, const auto& b) { return a.on_s < b.on_s; });
  }
  // Start a little before the first order (or courier), not at an idle midnight.
  double first = planned_.empty() ? 0 : planned_.front().placed_s;
  for (const auto& s : shifts) first = std::min(first, s.first);
  sim_start_s_ = std::max(0.0, first - 60);
  return OkStatus();
}

// No order of this run stays open on the server when it stops: a rider would stay busy with an
// order nobody delivers. The restaurant cancels what is not picked up yet, the admin what is on the road.
void Simulation::CancelOpenOrders() {
  std::vector<std::pair<std::string, OrderState>> open;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, o] : orders_) {
      if (o.state != OrderState::kDelivered && o.state != OrderState::kCancelled && o.state != OrderState::kRejected)
        open.emplace_back(id, o.state);
    }
  }
  if (open.empty()) return;
  HttpClient http(o_.url, 10000);
  bj::object reason{{"reason", "the simulation stopped"}};
  for (const auto& [id, state] : open) {
    std::string token;
    {
      std::lock_guard lock(mu_);
      token = state == OrderState::kPickedUp ? admin_token_ : restaurants_[orders_.at(id).restaurant].token;
    }
    auto r = http.Post("/v1/orders/" + id + "/cancel", reason, token);
    if (r.status == 409 && state != OrderState::kPickedUp && !admin_token_.empty()) {  // picked up meanwhile
      r = http.Post("/v1/orders/" + id + "/cancel", reason, admin_token_);
    }
    if (Failed("cancel at stop", r)) continue;
    std::lock_guard lock(mu_);
    orders_.at(id).state = OrderState::kCancelled;
    ++summary_.cancelled;
    ++summary_.cancelled_at_stop;
  }
}

Status Simulation::Setup(HttpClient& http) {
  if (!o_.mdrp.empty()) HP_TRY(LoadMdrp());
  auto health = http.Get("/healthz");
  if (health.status == 0) return Error::Unavailable(fmt::format("no hotpath at {}: {}", o_.url, health.transport_error));
  if (!health.ok()) return Error::Unavailable(fmt::format("{} /healthz answered {}", o_.url, health.Describe()));
  HP_TRY(LoginRestaurants());
  HP_TRY(LoginRiders(o_.riders));
  HP_TRY(SignUpCustomers());
  // Only needed to cancel orders on the road when the run stops (and to create MDRP riders).
  auto admin = http.Post("/v1/auth/login", bj::object{{"email", o_.admin_email}, {"password", o_.password}});
  if (admin.ok()) admin_token_ = Str(admin.Json(), "token");
  if (!o_.mdrp.empty()) {
    HP_TRY(PrepareMdrp(http));
  } else {
    sim_start_s_ = o_.start_hour * 3600;
    arrivals_ = std::make_unique<ArrivalProcess>(o_.orders_per_hour, o_.seed);
  }
  summary_.customers = static_cast<int>(customers_.size());
  summary_.restaurants = static_cast<int>(restaurants_.size());
  summary_.riders = static_cast<int>(riders_.size());
  return OkStatus();
}

Result<Summary> Simulation::Run(const std::atomic<bool>& interrupted, const ProgressFn& progress) {
  sched_ = std::make_unique<Scheduler>(o_.url, o_.concurrency);
  {
    HttpClient http(o_.url);
    if (auto st = Setup(http); !st.ok()) {
      sched_->Stop();
      return st.error();
    }
  }
  real_start_ = Clock::now();
  if (planned_.empty() && o_.mdrp.empty()) {
    ScheduleNextArrival(sim_start_s_);
  } else {
    for (std::size_t n = 0; n < planned_.size(); ++n) {
      sched_->At(RealAt(planned_[n].placed_s), [this, n](HttpClient& http) {
        const auto& p = planned_[n];
        if (ordering_) PlaceOrder(http, static_cast<int>(n), static_cast<int>(n % customers_.size()), p.restaurant,
                                  p.dropoff, p.prep_min);
      });
    }
  }
  for (std::size_t r = 0; r < riders_.size(); ++r) {
    riders_[r]->last_tick = riders_[r]->last_fix = Clock::now();
    sched_->After(static_cast<double>(r) / static_cast<double>(riders_.size()),
                  [this, r](HttpClient& http) { RiderTick(http, static_cast<int>(r)); });
  }
  double end_of_instance = -1;
  if (!planned_.empty()) end_of_instance = planned_.back().placed_s;
  std::optional<Clock::time_point> drain_until;
  std::string why;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    double elapsed = std::chrono::duration<double>(Clock::now() - real_start_).count();
    double now_s = SimNow();
    Summary snapshot;
    {
      std::lock_guard lock(mu_);
      summary_.real_seconds = elapsed;
      summary_.sim_minutes = elapsed * o_.speedup / 60;
      snapshot = summary_;
    }
    if (progress) progress(snapshot, now_s);
    if (interrupted) {
      why = "interrupted";
      break;
    }
    if (consecutive_unreachable_ >= 20) {
      why = "the server stopped answering";
      break;
    }
    if (!drain_until) {
      bool duration_over = o_.duration_s > 0 && elapsed >= o_.duration_s;
      bool instance_over = !o_.mdrp.empty() && now_s > end_of_instance;
      if (duration_over || instance_over) {
        ordering_ = false;
        why = duration_over ? "duration reached" : "end of instance";
        drain_until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.drain_s));
      }
    }
    if (drain_until) {
      if (snapshot.open() == 0 && in_flight_ == 0) {
        why += ", every order finished";
        break;
      }
      if (Clock::now() >= *drain_until) {
        why += fmt::format(", drain of {:.0f} s over", o_.drain_s);
        break;
      }
    }
  }
  stopping_ = true;
  sched_->Stop();
  if (why != "the server stopped answering") CancelOpenOrders();
  std::lock_guard lock(mu_);
  summary_.stopped_because = why;
  summary_.real_seconds = std::chrono::duration<double>(Clock::now() - real_start_).count();
  summary_.sim_minutes = summary_.real_seconds * o_.speedup / 60;
  if (!o_.orders_out.empty()) {
    std::string lines;
    for (const auto& [id, o] : orders_) {
      static constexpr const char* kNames[] = {"placed", "accepted", "ready", "picked_up",
                                               "delivered", "cancelled", "rejected"};
      bj::object line{{"id", id}, {"status", kNames[static_cast<int>(o.state)]},
                      {"placed_sim_s", std::round(o.placed_s)}};
      if (o.click_to_door_min >= 0) line["click_to_door_min"] = std::round(o.click_to_door_min * 10) / 10;
      lines += bj::serialize(line) + "\n";
    }
    std::FILE* f = std::fopen(o_.orders_out.c_str(), "w");
    if (!f) return Error::Invalid(fmt::format("--orders-out: cannot write {}", o_.orders_out));
    std::fwrite(lines.data(), 1, lines.size(), f);
    std::fclose(f);
  }
  return summary_;
}

}  // namespace hotpath::simulate
