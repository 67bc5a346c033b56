#pragma once
// Gradient-boosted trees (XGBoost C API) trained globally across series. One direct model for all
// horizons: a row is (series, cutoff, step) with lag, rolling, calendar and zone features computed
// from the history up to the cutoff only. Targets and lags are divided by the series' recent mean
// (+0.5), which puts busy and sparse series on one scale (count-aware for series with many zeros).
#include <optional>
#include <span>

#include "forecast/ets.h"
#include "forecast/holidays.h"
#include "forecast/method.h"

namespace hotpath::forecast {

struct GbtParams {  // defaults chosen on the January-April taxi validation (April), see docs/forecast.md
  std::string objective = "reg:squarederror";
  int rounds = 150;
  int max_depth = 4;
  double eta = 0.1;
  double subsample = 0.8;
  double colsample = 0.8;
  double min_child_weight = 20;
  int threads = 2;
  int seed = 7;
  int stride = 0;               // slots between training cutoffs; 0 = horizon
  bool stack_ets = true;        // the double-seasonal ETS forecast is a feature (fitted inside Fit)
  int ets_transform = 1;        // transform of the stacked ETS (see EtsParams::transform)
  bool ets_robust = true;       // robust filtering in the stacked ETS
  double weight_power = 2;      // row weight = scale^power: 0 treats zones alike, 1 weights by volume (WAPE)
  std::string holidays;         // "us" or "uk": adds holiday / long-weekend features (empty: none)
  bool boost_from_ets = false;  // trees correct the ETS forecast (the base margin) instead of starting at 0
};

// Parses "xgb" or "xgb:key=value;..." (keys: objective, rounds, depth, eta, subsample, colsample,
// min_child_weight, stride, ets=0|1, ets_transform=0|1, ets_robust=0|1, weight=power, resid=0|1,
// holidays=us|uk).
Result<GbtParams> ParseGbtSpec(std::string_view spec, int threads);

inline constexpr int kGbtFeatures = 21;        // without a holiday calendar
inline constexpr int kGbtHolidayFeatures = 3;  // appended with one
// Fills `row` (kGbtFeatures floats) for the slot `step` after the end of y. Uses only y.
// `ets` is the ETS forecast for that slot (NaN when not stacked). With a calendar, three more
// features follow: target day is a holiday, is in a long weekend, and the same day last week was.
void GbtFeatures(std::span<const double> y, size_t series, Timestamp cutoff, Freq freq, int step,
                 double scale, double ets, const HolidayCalendar* calendar, float* row);
// Recent level used to normalise a series: mean of the last 4 weeks observed, plus 0.5.
double GbtScale(std::span<const double> y, Freq freq);

class GradientBoostedTrees final : public Method {
 public:
  explicit GradientBoostedTrees(GbtParams params = {});
  ~GradientBoostedTrees() override;
  GradientBoostedTrees(const GradientBoostedTrees&) = delete;
  GradientBoostedTrees& operator=(const GradientBoostedTrees&) = delete;

  std::string Name() const override { return "xgb"; }
  Status Fit(const std::vector<SeriesHistory>& histories, int horizon) override;
  void Predict(const std::vector<SeriesHistory>& histories, int horizon,
               std::vector<std::vector<double>>& out) const override;
  std::string SaveState() const override;  // XGBoost JSON model
  Status LoadState(const std::string& state) override;

 private:
  void Reset();
  int NumFeatures() const { return kGbtFeatures + (calendar_ ? kGbtHolidayFeatures : 0); }
  GbtParams params_;
  std::optional<HolidayCalendar> calendar_;
  EtsParams ets_;
  void* booster_ = nullptr;  // BoosterHandle
};

}  // namespace hotpath::forecast
