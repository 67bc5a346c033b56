#include "forecast/gbt.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "forecast/baselines.h"

namespace hotpath::forecast {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

float Scaled(double v, double scale) { return std::isnan(v) ? kMissing : static_cast<float>(v / scale); }

double MeanRange(std::span<const double> y, long from, long to) {  // [from, to], NaNs skipped
  double s = 0;
  long n = 0;
  for (long i = std::max(0L, from); i <= to && i < static_cast<long>(y.size()); ++i) {
    const double v = y[static_cast<size_t>(i)];
    if (!std::isnan(v)) s += v, ++n;
  }
  return n ? s / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

std::string LastXgbError() { return XGBGetLastError(); }

// Starting point when boosting from ETS: its scaled forecast (last feature), else the 4-week mean.
constexpr int kEtsFeature = kGbtFeatures - 1;
constexpr int kWeekMeanFeature = 9;
float BaseMargin(const float* row) {
  if (!std::isnan(row[kEtsFeature])) return row[kEtsFeature];
  return std::isnan(row[kWeekMeanFeature]) ? 1.0f : row[kWeekMeanFeature];
}

}  // namespace

double GbtScale(std::span<const double> y, Freq freq) {
  const long last = static_cast<long>(y.size()) - 1;
  const double m = MeanRange(y, last - 4L * SlotsPerWeek(freq) + 1, last);
  return (std::isnan(m) ? 0.0 : m) + 0.5;
}

void GbtFeatures(std::span<const double> y, size_t series, Timestamp cutoff, Freq freq, int step,
                 double scale, double ets, const HolidayCalendar* calendar, float* row) {
  const long spd = SlotsPerDay(freq), spw = SlotsPerWeek(freq);
  const long last = static_cast<long>(y.size()) - 1;
  const long target = last + step;
  const Timestamp when = cutoff + FreqStep(freq) * step;
  int f = 0;
  row[f++] = static_cast<float>(step);
  row[f++] = static_cast<float>(SlotOfDay(when, freq));
  row[f++] = static_cast<float>(DayOfWeek(when));
  row[f++] = static_cast<float>(series);
  row[f++] = static_cast<float>(std::log(scale));
  // Same slot of the week, the four most recent weeks at or before the cutoff.
  const long kw = std::max(1L, (target - last + spw - 1) / spw);
  double sw_sum = 0;
  int sw_n = 0;
  for (long k = kw; k < kw + 4; ++k) {
    const double v = ValueAt(y, target - k * spw);
    row[f++] = Scaled(v, scale);
    if (!std::isnan(v)) sw_sum += v, ++sw_n;
  }
  row[f++] = sw_n ? static_cast<float>(sw_sum / sw_n / scale) : kMissing;
  // Same slot of the day: the two most recent days, and the mean of the last seven.
  const long kd = std::max(1L, (target - last + spd - 1) / spd);
  row[f++] = Scaled(ValueAt(y, target - kd * spd), scale);
  row[f++] = Scaled(ValueAt(y, target - (kd + 1) * spd), scale);
  double sd_sum = 0;
  int sd_n = 0;
  for (long k = kd; k < kd + 7; ++k) {
    const double v = ValueAt(y, target - k * spd);
    if (!std::isnan(v)) sd_sum += v, ++sd_n;
  }
  row[f++] = sd_n ? static_cast<float>(sd_sum / sd_n / scale) : kMissing;
  // Recent level and how today compares with the same hours a week ago.
  const double last_v = ValueAt(y, last);
  row[f++] = Scaled(last_v, scale);
  const double day_mean = MeanRange(y, last - spd + 1, last);
  const double day_mean_lw = MeanRange(y, last - spd + 1 - spw, last - spw);
  row[f++] = Scaled(day_mean, scale);
  row[f++] = Scaled(MeanRange(y, last - spw + 1, last), scale);
  row[f++] = Scaled(day_mean - day_mean_lw, scale);
  row[f++] = Scaled(last_v - ValueAt(y, last - spw), scale);
  const double recent = MeanRange(y, last - std::min(spd, 6L) + 1, last);
  const double recent_lw = MeanRange(y, last - std::min(spd, 6L) + 1 - spw, last - spw);
  row[f++] = Scaled(recent - recent_lw, scale);
  // Same slot last week relative to that week's level: the shape of the week.
  row[f++] = Scaled(
      ValueAt(y, target - kw * spw) - MeanRange(y, target - kw * spw - spd, target - kw * spw + spd), scale);
  row[f++] = Scaled(ets, scale);
  if (calendar != nullptr) {
    const Day day = std::chrono::floor<std::chrono::days>(when);
    row[f++] = calendar->IsHoliday(day) ? 1.0f : 0.0f;
    row[f++] = calendar->InLongWeekend(day) ? 1.0f : 0.0f;
    row[f++] = calendar->InLongWeekend(day - std::chrono::days(7)) ? 1.0f : 0.0f;
  }
}

GradientBoostedTrees::GradientBoostedTrees(GbtParams params) : params_(std::move(params)) {
  if (!params_.holidays.empty()) {
    auto cal = HolidayCalendar::Make(params_.holidays);
    if (cal.ok()) calendar_ = std::move(cal).value();  // ParseGbtSpec rejected unknown names already
  }
}

GradientBoostedTrees::~GradientBoostedTrees() { Reset(); }

void GradientBoostedTrees::Reset() {
  if (booster_ != nullptr) XGBoosterFree(static_cast<BoosterHandle>(booster_));
  booster_ = nullptr;
}

Status GradientBoostedTrees::Fit(const std::vector<SeriesHistory>& histories, int horizon) {
  std::vector<float> x, label;
  const int stride = params_.stride > 0 ? params_.stride : horizon;
  if (params_.boost_from_ets) params_.stack_ets = true;
  std::vector<float> margin, weight;
  const size_t nf = static_cast<size_t>(NumFeatures());
  const HolidayCalendar* cal = calendar_ ? &*calendar_ : nullptr;
  if (params_.stack_ets) {
    EtsParams init;
    init.transform = params_.ets_transform;
    init.robust = params_.ets_robust;
    DoubleSeasonalEts ets(init);
    if (auto st = ets.Fit(histories, horizon); !st.ok()) return st;
    ets_ = ets.params();
  }
  for (const auto& h : histories) {
    const long n = static_cast<long>(h.y.size());
    const long min_hist = SlotsPerWeek(h.freq);
    std::vector<long> cutoffs;
    for (long c = n - 1 - stride; c >= min_hist; c -= stride) cutoffs.insert(cutoffs.begin(), c);
    std::vector<std::vector<double>> ets_fc(cutoffs.size());
    if (params_.stack_ets) ets_fc = EtsForecastsAt(h.y, h.freq, ets_, cutoffs, horizon);
    for (size_t ci = 0; ci < cutoffs.size(); ++ci) {
      const long c = cutoffs[ci];
      const auto hist = h.y.subspan(0, static_cast<size_t>(c + 1));
      const double scale = GbtScale(hist, h.freq);
      const Timestamp cutoff = h.cutoff - FreqStep(h.freq) * (n - 1 - c);
      for (int step = 1; step <= horizon && c + step < n; ++step) {
        const double target = h.y[static_cast<size_t>(c + step)];
        if (std::isnan(target)) continue;
        const double ets = ets_fc[ci].empty() ? std::numeric_limits<double>::quiet_NaN()
                                              : ets_fc[ci][static_cast<size_t>(step - 1)];
        x.resize(x.size() + nf);
        GbtFeatures(hist, h.series, cutoff, h.freq, step, scale, ets, cal, x.data() + x.size() - nf);
        label.push_back(static_cast<float>(target / scale));
        weight.push_back(static_cast<float>(std::pow(scale, params_.weight_power)));
        margin.push_back(BaseMargin(x.data() + x.size() - nf));
      }
    }
  }
  if (label.empty())
    return MakeError(ErrorCode::kInvalidArgument, "xgb: no training rows (history too short)");
  Reset();
  DMatrixHandle dtrain = nullptr;
  if (XGDMatrixCreateFromMat(x.data(), label.size(), nf, kMissing, &dtrain) != 0 ||
      XGDMatrixSetFloatInfo(dtrain, "label", label.data(), label.size()) != 0 ||
      XGDMatrixSetFloatInfo(dtrain, "weight", weight.data(), weight.size()) != 0 ||
      (params_.boost_from_ets &&
       XGDMatrixSetFloatInfo(dtrain, "base_margin", margin.data(), margin.size()) != 0)) {
    return MakeError(ErrorCode::kInternal, "xgb: " + LastXgbError());
  }
  BoosterHandle booster = nullptr;
  XGBoosterCreate(&dtrain, 1, &booster);
  const std::pair<const char*, std::string> settings[] = {
      {"objective", params_.objective},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(params_.max_depth)},
      {"eta", std::to_string(params_.eta)},
      {"subsample", std::to_string(params_.subsample)},
      {"colsample_bytree", std::to_string(params_.colsample)},
      {"min_child_weight", std::to_string(params_.min_child_weight)},
      {"nthread", std::to_string(params_.threads)},
      {"seed", std::to_string(params_.seed)},
      {"verbosity", "0"},
  };
  for (const auto& [k, v] : settings) XGBoosterSetParam(booster, k, v.c_str());
  for (int i = 0; i < params_.rounds; ++i) {
    if (XGBoosterUpdateOneIter(booster, i, dtrain) != 0) {
      XGDMatrixFree(dtrain);
      XGBoosterFree(booster);
      return MakeError(ErrorCode::kInternal, "xgb training: " + LastXgbError());
    }
  }
  XGDMatrixFree(dtrain);
  booster_ = booster;
  return OkStatus();
}

void GradientBoostedTrees::Predict(const std::vector<SeriesHistory>& histories, int horizon,
                                   std::vector<std::vector<double>>& out) const {
  out.assign(histories.size(), std::vector<double>(static_cast<size_t>(horizon), 0.0));
  if (histories.empty() || horizon <= 0) return;
  if (booster_ == nullptr) {  // never fitted: behave as the 4-week mean rather than crash
    WeeklySlotMean(4).Predict(histories, horizon, out);
    return;
  }
  const size_t nf = static_cast<size_t>(NumFeatures());
  const HolidayCalendar* cal = calendar_ ? &*calendar_ : nullptr;
  std::vector<float> x(histories.size() * static_cast<size_t>(horizon) * nf);
  std::vector<double> scales(histories.size());
  for (size_t i = 0; i < histories.size(); ++i) {
    const auto& h = histories[i];
    scales[i] = GbtScale(h.y, h.freq);
    std::vector<double> ets(static_cast<size_t>(horizon), std::numeric_limits<double>::quiet_NaN());
    if (params_.stack_ets && !EtsForecast(h.y, h.freq, ets_, ets)) {
      std::fill(ets.begin(), ets.end(), std::numeric_limits<double>::quiet_NaN());
    }
    for (int step = 1; step <= horizon; ++step) {
      GbtFeatures(h.y, h.series, h.cutoff, h.freq, step, scales[i], ets[static_cast<size_t>(step - 1)], cal,
                  x.data() + (i * static_cast<size_t>(horizon) + static_cast<size_t>(step - 1)) * nf);
    }
  }
  DMatrixHandle d = nullptr;
  const size_t rows = histories.size() * static_cast<size_t>(horizon);
  XGDMatrixCreateFromMat(x.data(), rows, nf, kMissing, &d);
  if (params_.boost_from_ets) {
    std::vector<float> margin(rows);
    for (size_t r = 0; r < rows; ++r) margin[r] = BaseMargin(x.data() + r * nf);
    XGDMatrixSetFloatInfo(d, "base_margin", margin.data(), rows);
  }
  bst_ulong len = 0;
  const float* pred = nullptr;
  XGBoosterPredict(static_cast<BoosterHandle>(booster_), d, 0, 0, 0, &len, &pred);
  for (size_t i = 0; i < histories.size(); ++i) {
    for (size_t s = 0; s < static_cast<size_t>(horizon); ++s) {
      const size_t k = i * static_cast<size_t>(horizon) + s;
      out[i][s] = k < len ? std::max(0.0, static_cast<double>(pred[k]) * scales[i]) : 0.0;
    }
  }
  XGDMatrixFree(d);
}

std::string GradientBoostedTrees::SaveState() const {
  if (booster_ == nullptr) return {};
  bst_ulong len = 0;
  const char* buf = nullptr;
  if (XGBoosterSaveModelToBuffer(static_cast<BoosterHandle>(booster_), R"({"format": "json"})", &len, &buf) !=
      0) {
    return {};
  }
  return DoubleSeasonalEts(ets_).SaveState() + "\n" + std::string(buf, len);
}

Status GradientBoostedTrees::LoadState(const std::string& state) {
  Reset();
  if (state.empty()) return OkStatus();
  const size_t nl = state.find('\n');
  if (nl == std::string::npos) return MakeError(ErrorCode::kParse, "xgb state: missing ETS parameters");
  DoubleSeasonalEts ets;
  if (auto st = ets.LoadState(state.substr(0, nl)); !st.ok()) return st;
  ets_ = ets.params();
  const std::string json = state.substr(nl + 1);
  BoosterHandle booster = nullptr;
  XGBoosterCreate(nullptr, 0, &booster);
  if (XGBoosterLoadModelFromBuffer(booster, json.data(), json.size()) != 0) {
    XGBoosterFree(booster);
    return MakeError(ErrorCode::kParse, "xgb model: " + LastXgbError());
  }
  XGBoosterSetParam(booster, "nthread", std::to_string(params_.threads).c_str());
  booster_ = booster;
  return OkStatus();
}

Result<GbtParams> ParseGbtSpec(std::string_view spec, int threads) {
  GbtParams p;
  p.threads = threads;
  if (spec == "xgb") return p;
  if (spec.substr(0, 4) != "xgb:") return MakeError(ErrorCode::kInvalidArgument, "not an xgb spec");
  std::string rest(spec.substr(4));
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t comma = rest.find(';', pos);
    if (comma == std::string::npos) comma = rest.size();
    const std::string kv = rest.substr(pos, comma - pos);
    pos = comma + 1;
    const auto eq = kv.find('=');
    if (eq == std::string::npos)
      return MakeError(ErrorCode::kInvalidArgument, "xgb spec: expected key=value, got '" + kv + "'");
    const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    char* end = nullptr;
    const double num = std::strtod(v.c_str(), &end);
    const bool numeric = end != v.c_str() && *end == '\0';
    if (k == "objective") {
      p.objective = v;
    } else if (k == "holidays") {
      if (!HolidayCalendar::Make(v, 2000, 2000).ok())
        return MakeError(ErrorCode::kInvalidArgument, "xgb spec: holidays=us|uk");
      p.holidays = v;
    } else if (!numeric) {
      return MakeError(ErrorCode::kInvalidArgument, "xgb spec: " + k + " needs a number");
    } else if (k == "rounds") {
      p.rounds = static_cast<int>(num);
    } else if (k == "depth") {
      p.max_depth = static_cast<int>(num);
    } else if (k == "eta") {
      p.eta = num;
    } else if (k == "subsample") {
      p.subsample = num;
    } else if (k == "colsample") {
      p.colsample = num;
    } else if (k == "min_child_weight") {
      p.min_child_weight = num;
    } else if (k == "stride") {
      p.stride = static_cast<int>(num);
    } else if (k == "ets") {
      p.stack_ets = num != 0;
    } else if (k == "ets_transform") {
      p.ets_transform = static_cast<int>(num);
    } else if (k == "ets_robust") {
      p.ets_robust = num != 0;
    } else if (k == "weight") {
      p.weight_power = num;
    } else if (k == "resid") {
      p.boost_from_ets = num != 0;
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "xgb spec: unknown key '" + k + "'");
    }
  }
  if (p.rounds < 1 || p.max_depth < 1 || p.eta <= 0)
    return MakeError(ErrorCode::kInvalidArgument, "xgb spec: bad values");
  return p;
}

}  // namespace hotpath::forecast
