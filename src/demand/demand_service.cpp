#include "demand/demand_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/json.h"
#include "demand/order_history.h"
#include "forecast/method.h"

namespace hotpath::demand {
namespace fs = std::filesystem;
using forecast::Timestamp;

namespace {

Timestamp ToTs(Millis ms) { return Timestamp(std::chrono::seconds(ms / 1000)); }
Millis ToMs(Timestamp t) { return static_cast<Millis>(t.time_since_epoch().count()) * 1000; }
Millis FloorHour(Millis ms) { return ms - ((ms % kHourMs) + kHourMs) % kHourMs; }

Error FromForecast(const forecast::Error& e) {
  switch (e.code) {
    case forecast::ErrorCode::kInvalidArgument:
    case forecast::ErrorCode::kParse:
      return Error::Invalid(e.message);
    case forecast::ErrorCode::kNotFound:
      return Error::NotFound(e.message);
    case forecast::ErrorCode::kInfeasible:
      return Error::Unprocessable(e.message);
    case forecast::ErrorCode::kIo:
      return Error::Unavailable(e.message);
    case forecast::ErrorCode::kInternal:
      break;
  }
  return Error::Internal(e.message);
}

// Orders per zone and hour in [from, to) as a panel; `ids` fixes the series (others are dropped),
// or, when empty, every zone with an order in the range. Hours with no order are 0.
Result<forecast::Panel> BuildPanel(storage::Database& db, Millis from, Millis to, std::vector<std::string> ids,
                                   std::int64_t* orders = nullptr) {
  HP_ASSIGN(auto counts, OrdersPerZoneHour(db, from, to));
  if (ids.empty()) {
    for (const auto& [zone, hours] : counts) ids.push_back(zone);
  }
  forecast::Panel p;
  p.freq = forecast::Freq::k1h;
  p.start = ToTs(from);
  p.length = static_cast<std::size_t>((to - from) / kHourMs);
  p.ids = ids;
  for (const auto& id : ids) {
    std::vector<double> series(p.length, 0.0);
    if (auto it = counts.find(id); it != counts.end()) {
      for (const auto& [hour, n] : it->second) {
        series[static_cast<std::size_t>((hour - from) / kHourMs)] = n;
        if (orders) *orders += n;
      }
    }
    p.values.push_back(std::move(series));
  }
  return p;
}

Millis FileTime(const std::string& path) {
  std::error_code ec;
  auto t = fs::last_write_time(path, ec);
  if (ec) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::file_clock::to_sys(t).time_since_epoch())
      .count();
}

std::string Day(Millis ms) { return json::FormatTime(ms).substr(0, 10); }

}  // namespace

DemandService::DemandService(storage::Database& db, const Clock& clock, const Logger& log, DemandSettings settings)
    : db_(db), clock_(clock), log_(log), settings_(std::move(settings)) {}

DemandService::~DemandService() { Stop(); }

Status DemandService::Open() {
  if (auto m = forecast::MakeMethod(settings_.method, 1); !m.ok())
    return Error::Invalid(fmt::format("config: forecast.forecast_method: {}", m.error().message));
  std::lock_guard lock(mu_);
  if (!fs::exists(settings_.model_path)) return OkStatus();
  if (auto st = ReloadIfChangedLocked(); !st.ok()) {
    // A corrupt model is not fatal: fees work without it and the next retrain replaces it.
    log_.Warn("demand model not loaded", {{"path", settings_.model_path}, {"error", st.error().message}});
  }
  return OkStatus();
}

Status DemandService::ReloadIfChangedLocked() {
  const Millis t = FileTime(settings_.model_path);
  if (t == 0 || t == model_file_time_) return OkStatus();
  auto m = forecast::Model::Load(settings_.model_path);
  if (!m.ok()) return FromForecast(m.error());
  if (m->freq() != forecast::Freq::k1h) return Error::Invalid("the demand model is not hourly");
  model_.emplace(std::move(m).value());
  model_file_time_ = t;
  rolled_at_hour_ = 0;
  log_.Info("demand model loaded", {{"path", settings_.model_path},
                                    {"method", model_->method()},
                                    {"zones", std::to_string(model_->ids().size())}});
  return OkStatus();
}

void DemandService::RollForwardLocked(Millis now) {
  if (!model_) return;
  const Millis end = FloorHour(now);  // hours before this one are complete
  if (end == rolled_at_hour_) return;
  const Millis next = ToMs(model_->last_observed()) + kHourMs;
  if (next < end) {
    auto panel = BuildPanel(db_, next, end, model_->ids());
    if (!panel.ok()) {
      log_.Warn("demand model not rolled forward", {{"error", panel.error().message}});
      return;
    }
    if (auto st = model_->Observe(*panel); !st.ok()) {
      log_.Warn("demand model not rolled forward", {{"error", st.error().message}});
      return;
    }
  }
  rolled_at_hour_ = end;
}

ModelInfo DemandService::InfoLocked() const {
  ModelInfo info;
  info.method = model_->method();
  info.trained_at = model_file_time_;
  info.last_observed = ToMs(model_->last_observed());
  info.horizon_hours = model_->horizon();
  info.zones = model_->ids();
  info.calibration_residuals = model_->calibration_residuals();
  return info;
}

std::optional<ModelInfo> DemandService::Info() {
  std::lock_guard lock(mu_);
  (void)ReloadIfChangedLocked();
  if (!model_) return std::nullopt;
  RollForwardLocked(clock_.NowMillis());
  return InfoLocked();
}

Result<RetrainResult> DemandService::Retrain() {
  std::lock_guard training(train_mu_);
  const auto started = std::chrono::steady_clock::now();
  const Millis end = FloorHour(clock_.NowMillis());  // exclusive: the current hour is not complete
  HP_ASSIGN(Millis first, FirstOrderAt(db_));
  const Millis need = Millis{settings_.min_history_days} * 24 * kHourMs;
  const Millis from = first == 0 ? end : std::max(FloorHour(first), end - Millis{settings_.history_days} * 24 * kHourMs);
  if (end - from < need) {
    Error e = Error::Conflict(fmt::format(
        "not enough order history to train: {:.1f} days of orders, forecasting needs {} "
        "(forecast.forecast_min_history_days)",
        static_cast<double>(end - from) / (24.0 * kHourMs), settings_.min_history_days));
    e.extras.emplace_back("history_days", fmt::format("{:.2f}", static_cast<double>(end - from) / (24.0 * kHourMs)));
    return e;
  }
  RetrainResult out;
  HP_ASSIGN(auto panel, BuildPanel(db_, from, end, {}, &out.orders));
  forecast::ModelOptions options;
  options.method = settings_.method;
  options.horizon = settings_.horizon_hours;
  options.threads = 1;  // a background job on a shared machine
  auto model = forecast::Model::Train(panel, options);
  if (!model.ok()) return FromForecast(model.error());

  std::error_code ec;
  fs::create_directories(fs::path(settings_.model_path).parent_path(), ec);
  if (ec) return Error::Unavailable(fmt::format("cannot create {}: {}", fs::path(settings_.model_path).parent_path().string(), ec.message()));
  const std::string tmp = settings_.model_path + "." + NewId("tmp");  // unique: processes may race
  {
    std::ofstream file(tmp, std::ios::binary);
    if (auto st = model->Write(file); !st.ok() || !file.flush()) {
      fs::remove(tmp, ec);
      return Error::Unavailable(fmt::format("cannot write {}", tmp));
    }
  }
  fs::rename(tmp, settings_.model_path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error::Unavailable(fmt::format("cannot replace {}: {}", settings_.model_path, ec.message()));
  }
  {
    std::lock_guard lock(mu_);
    model_.emplace(std::move(model).value());
    model_file_time_ = FileTime(settings_.model_path);
    rolled_at_hour_ = end;
    out.model = InfoLocked();
  }
  out.history_from = from;
  out.history_hours = static_cast<int>((end - from) / kHourMs);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log_.Info("demand model trained", {{"method", settings_.method},
                                     {"zones", std::to_string(out.model.zones.size())},
                                     {"hours", std::to_string(out.history_hours)},
                                     {"seconds", fmt::format("{:.2f}", out.seconds)}});
  return out;
}

Result<ZoneForecast> DemandService::Forecast(const std::string& zone_id, Millis from, Millis to) {
  std::lock_guard lock(mu_);
  if (auto st = ReloadIfChangedLocked(); !st.ok()) log_.Warn("demand model not reloaded", {{"error", st.error().message}});
  if (!model_) {
    return Error::Conflict(fmt::format("no demand model yet: POST /v1/forecast/retrain (or wait for the scheduled "
                                       "retraining) once the platform has {} days of orders",
                                       settings_.min_history_days));
  }
  RollForwardLocked(clock_.NowMillis());
  const auto& ids = model_->ids();
  if (std::find(ids.begin(), ids.end(), zone_id) == ids.end()) {
    return Error::NotFound(fmt::format("zone '{}' had no orders when the model was trained; it is forecast after "
                                       "the next retraining",
                                       zone_id));
  }
  auto fc = model_->Forecast(zone_id, ToTs(FloorHour(from)), ToTs(to));
  if (!fc.ok()) return FromForecast(fc.error());
  return ZoneForecast{InfoLocked(), std::move(fc).value()};
}

std::optional<double> DemandService::CurrentHourForecast(const std::string& zone_id) {
  std::lock_guard lock(mu_);
  (void)ReloadIfChangedLocked();
  if (!model_) return std::nullopt;
  const Millis now = clock_.NowMillis();
  RollForwardLocked(now);
  const Timestamp hour = ToTs(FloorHour(now));
  auto fc = model_->Forecast(zone_id, hour, hour);
  if (!fc.ok() || fc->empty()) return std::nullopt;
  return fc->front().q50;
}

Result<Productivity> DemandService::MeasureProductivity(const std::string& zone_id, Millis now) {
  HP_ASSIGN(auto m, MeasuredProductivity(db_, zone_id, now - Millis{settings_.productivity_window_days} * 24 * kHourMs));
  Productivity p;
  p.deliveries = m.deliveries;
  p.busy_hours = m.busy_hours;
  if (m.deliveries >= settings_.min_measured_deliveries && m.busy_hours > 0) {
    p.orders_per_courier_hour = static_cast<double>(m.deliveries) / m.busy_hours;
    p.measured = true;
  } else {
    p.orders_per_courier_hour = settings_.orders_per_courier_hour;
  }
  return p;
}

Result<StaffingPlan> DemandService::Staffing(const std::string& zone_id, Millis date) {
  const Millis now = clock_.NowMillis();
  const Millis day_end = date + 23 * kHourMs;
  std::vector<forecast::QuantileForecast> fc;
  {
    std::lock_guard lock(mu_);
    (void)ReloadIfChangedLocked();
    if (!model_) {
      return Error::Conflict(fmt::format("no demand model yet: POST /v1/forecast/retrain once the platform has {} "
                                         "days of orders",
                                         settings_.min_history_days));
    }
    RollForwardLocked(now);
    const auto& ids = model_->ids();
    if (std::find(ids.begin(), ids.end(), zone_id) == ids.end())
      return Error::NotFound(fmt::format("zone '{}' had no orders when the model was trained", zone_id));
    const Millis first = ToMs(model_->last_observed()) + kHourMs;
    const Millis last = ToMs(model_->last_observed()) + Millis{model_->horizon()} * kHourMs;
    if (day_end < first)
      return Error::Invalid(fmt::format("{} is over: the forecast starts at {}", Day(date), json::FormatTime(first)),
                            {{"date", "is in the past"}});
    if (date > last)
      return Error::Invalid(fmt::format("{} is beyond the forecast horizon (last forecast hour {})", Day(date),
                                        json::FormatTime(last)),
                            {{"date", "is beyond the forecast horizon"}});
    auto r = model_->Forecast(zone_id, ToTs(std::max(date, first)), ToTs(std::min(day_end, last)));
    if (!r.ok()) return FromForecast(r.error());
    fc = std::move(r).value();
  }
  StaffingPlan out;
  out.zone_id = zone_id;
  out.date = date;
  HP_ASSIGN(out.productivity, MeasureProductivity(zone_id, now));
  out.params = {out.productivity.orders_per_courier_hour, settings_.utilisation, settings_.service_level,
                settings_.min_couriers};
  auto need = forecast::CouriersNeeded(fc, out.params);
  if (!need.ok()) return FromForecast(need.error());
  out.need = std::move(need).value();
  std::vector<int> starts = settings_.shift_starts;
  if (starts.empty()) {
    for (int h = 0; h < 24; ++h) starts.push_back(h);
  }
  std::vector<forecast::ShiftType> types;
  for (int s : starts) {
    for (int l : settings_.shift_lengths) types.push_back({s, l});
  }
  auto plan = forecast::PlanShifts(out.need, types);
  if (!plan.ok()) return FromForecast(plan.error());
  out.plan = std::move(plan).value();
  return out;
}

void DemandService::StartRetrainLoop() {
  loop_ = std::thread([this] { Loop(); });
}

void DemandService::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
}

void DemandService::Loop() {
  const Millis interval = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.retrain_interval).count();
  bool short_history_logged = false;
  for (;;) {
    const Millis now = clock_.NowMillis();
    Millis trained_at = 0;
    {
      std::lock_guard lock(mu_);
      (void)ReloadIfChangedLocked();
      if (model_) trained_at = model_file_time_;
    }
    Millis next = FloorHour(now) + kHourMs + 60'000;  // a minute into the next hour: roll forward
    if (trained_at == 0 || now >= trained_at + interval) {
      auto r = Retrain();
      if (r.ok()) {
        short_history_logged = false;
        trained_at = r->model.trained_at;
      } else if (r.error().code == ErrorCode::kConflict) {
        if (!short_history_logged) log_.Info("demand model not trained yet", {{"reason", r.error().message}});
        short_history_logged = true;
      } else {
        log_.Warn("demand model retraining failed", {{"error", r.error().message}});
      }
    } else {
      std::lock_guard lock(mu_);
      RollForwardLocked(now);
    }
    if (trained_at > 0) next = std::min(next, trained_at + interval);
    std::unique_lock lock(loop_mu_);
    const auto wait = std::chrono::milliseconds(std::max<Millis>(1000, next - clock_.NowMillis()));
    if (loop_cv_.wait_for(lock, wait, [&] { return stopping_; })) return;
  }
}

}  // namespace hotpath::demand
