#include "forecast/backtest.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "forecast/calibrator.h"

namespace hotpath::forecast {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Pending {
  size_t series, target;
  double forecast;
};

}  // namespace

std::vector<SeriesHistory> HistoriesAt(const Panel& panel, size_t cutoff) {
  std::vector<SeriesHistory> out;
  out.reserve(panel.ids.size());
  for (size_t s = 0; s < panel.ids.size(); ++s) {
    out.push_back(SeriesHistory{s, std::span<const double>(panel.values[s].data(), cutoff + 1),
                                panel.TimeAt(cutoff), panel.freq});
  }
  return out;
}

Result<BacktestResult> RunBacktest(const Panel& panel, const BacktestOptions& opt,
                                   const ProgressFn& progress) {
  if (opt.horizon <= 0 || opt.step <= 0)
    return MakeError(ErrorCode::kInvalidArgument, "horizon and step must be > 0");
  if (panel.ids.empty() || panel.length < 2) return MakeError(ErrorCode::kInvalidArgument, "empty panel");
  const auto first_target = panel.SlotOf(opt.test_from);
  if (!first_target || *first_target == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "--test-from " + FormatTimestamp(opt.test_from) +
                                                      " must be a slot of the panel after its first (" +
                                                      FormatTimestamp(panel.start) + " .. " +
                                                      FormatTimestamp(panel.TimeAt(panel.length - 1)) + ")");
  }
  size_t last_target = panel.length - 1;
  if (opt.test_to) {
    if (*opt.test_to < opt.test_from)
      return MakeError(ErrorCode::kInvalidArgument, "--test-to is before --test-from");
    const auto span = (*opt.test_to - panel.start) / FreqStep(panel.freq);
    last_target = std::min(last_target, static_cast<size_t>(span));
  }
  const size_t first_cutoff = *first_target - 1;
  const auto h = static_cast<size_t>(opt.horizon), step = static_cast<size_t>(opt.step);
  std::vector<size_t> test_cutoffs;
  for (size_t c = first_cutoff; c + h <= last_target; c += step) test_cutoffs.push_back(c);
  if (test_cutoffs.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "test period has no cutoff with a full horizon of " +
                                                      std::to_string(opt.horizon) + " slots");
  }
  const auto spw = static_cast<size_t>(SlotsPerWeek(panel.freq));
  size_t k = static_cast<size_t>(opt.calibration_cutoffs);
  if (k == 0)
    k = std::max((2 * spw + step - 1) / step, (400 + h * panel.ids.size() - 1) / (h * panel.ids.size()));
  std::vector<size_t> cutoffs;
  for (size_t i = k; i >= 1; --i) {
    if (first_cutoff >= i * step && first_cutoff - i * step >= 2 * spw)
      cutoffs.push_back(first_cutoff - i * step);
  }
  const size_t warmup = cutoffs.size();
  cutoffs.insert(cutoffs.end(), test_cutoffs.begin(), test_cutoffs.end());
  auto hour_ok = [&](size_t slot) {
    return opt.hours.empty() ||
           std::find(opt.hours.begin(), opt.hours.end(), HourOfDay(panel.TimeAt(slot))) != opt.hours.end();
  };

  BacktestResult result;
  result.models = opt.models;
  result.cutoffs = test_cutoffs.size();
  std::vector<std::unique_ptr<Method>> methods;
  for (const auto& name : opt.models) {
    auto m = MakeMethod(name, opt.threads);
    if (!m.ok()) return m.error();
    methods.push_back(std::move(m).value());
  }
  auto fit_all = [&](size_t cutoff) -> Status {
    const auto t0 = Clock::now();
    const auto hist = HistoriesAt(panel, cutoff);
    for (auto& m : methods) {
      if (auto st = m->Fit(hist, opt.horizon); !st.ok()) return st;
    }
    result.fit_seconds += SecondsSince(t0);
    return OkStatus();
  };
  if (auto st = fit_all(cutoffs.front()); !st.ok()) return st.error();

  std::vector<double> scales;
  for (size_t s = 0; s < panel.ids.size(); ++s) {
    scales.push_back(SeasonalNaiveScale(std::span<const double>(panel.values[s].data(), first_cutoff + 1),
                                        static_cast<long>(spw)));
  }
  ScoreBoard board(opt.models, scales);
  std::vector<ResidualCalibrator> calibrators(methods.size(), ResidualCalibrator(k));
  std::vector<std::vector<Pending>> pending(methods.size());
  std::vector<std::vector<std::vector<double>>> outs(methods.size());
  for (size_t ci = 0; ci < cutoffs.size(); ++ci) {
    const size_t c = cutoffs[ci];
    const bool test = ci >= warmup;
    const size_t test_index = ci - warmup;
    if (test &&
        ((test_index == 0 && warmup > 0) || (opt.retrain_every > 0 && test_index > 0 &&
                                             test_index % static_cast<size_t>(opt.retrain_every) == 0))) {
      if (auto st = fit_all(c); !st.ok()) return st.error();
    }
    // Residuals whose actuals are now observed (target <= c) calibrate the intervals.
    for (size_t m = 0; m < methods.size(); ++m) {
      std::vector<std::pair<double, double>> batch;
      auto& p = pending[m];
      auto keep = std::partition(p.begin(), p.end(), [&](const Pending& x) { return x.target > c; });
      for (auto it = keep; it != p.end(); ++it)
        batch.emplace_back(it->forecast, panel.values[it->series][it->target]);
      p.erase(keep, p.end());
      calibrators[m].AddBatch(batch);
    }
    const auto t0 = Clock::now();
    const auto hist = HistoriesAt(panel, c);
    for (size_t m = 0; m < methods.size(); ++m) methods[m]->Predict(hist, opt.horizon, outs[m]);
    result.predict_seconds += SecondsSince(t0);
    for (size_t s = 0; s < panel.ids.size(); ++s) {
      for (size_t j = 0; j < h && c + 1 + j < panel.length; ++j) {
        const size_t target = c + 1 + j;
        const double y = panel.values[s][target];
        if (std::isnan(y) || !hour_ok(target)) continue;
        for (size_t m = 0; m < methods.size(); ++m) pending[m].push_back(Pending{s, target, outs[m][s][j]});
        if (!test || target > last_target) continue;
        CvRow row;
        row.series = s;
        row.slot = target;
        row.cutoff = c;
        row.y = y;
        for (size_t m = 0; m < methods.size(); ++m) {
          const double f = outs[m][s][j];
          const Quantiles q = calibrators[m].Predict(f);
          row.point.push_back(f);
          row.q10.push_back(q.q10);
          row.q90.push_back(q.q90);
          board.Add(m, s, y, f, q.q10, q.q90);
        }
        result.rows.push_back(std::move(row));
      }
    }
    if (progress) progress(ci + 1, cutoffs.size());
  }
  result.scores = board.Scores();
  return result;
}

}  // namespace hotpath::forecast
