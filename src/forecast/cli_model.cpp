#include "forecast/cli_model.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "forecast/model.h"

namespace hotpath::forecast {

int FailWith(const Error& e) {
  std::cerr << "error: " << e.message << "\n";
  return e.code == ErrorCode::kInvalidArgument ? 2 : 1;
}

Result<Panel> LoadPanelArg(const Args& args, const std::string& path) {
  PanelReadOptions ro;
  if (auto f = args.Get("freq")) {
    ro.freq = ParseFreq(*f);
    if (!ro.freq) return MakeError(ErrorCode::kInvalidArgument, "--freq must be 15min, 30min, 1h or 1d");
  }
  ro.fill_gaps = args.Has("fill-gaps");
  return ReadPanelCsv(path, ro);
}

int TrainCommand(const std::vector<std::string>& words) {
  auto args = Args::Parse(
      words, {"data", "freq", "model", "horizon", "out", "calibration-cutoffs", "threads"}, {"fill-gaps"});
  if (!args.ok()) return FailWith(args.error());
  auto data = args->Required("data");
  auto out = args->Required("out");
  auto horizon = args->Int("horizon", 24, 1, 10000);
  auto calib = args->Int("calibration-cutoffs", 0, 0, 100000);
  auto threads = args->Int("threads", 2, 1, 2);
  if (!data.ok()) return FailWith(data.error());
  if (!out.ok()) return FailWith(out.error());
  if (!horizon.ok()) return FailWith(horizon.error());
  if (!calib.ok()) return FailWith(calib.error());
  if (!threads.ok()) return FailWith(threads.error());
  auto panel = LoadPanelArg(*args, *data);
  if (!panel.ok()) return FailWith(panel.error());
  ModelOptions opt;
  opt.method = args->Get("model").value_or(ModelOptions().method);
  opt.horizon = *horizon;
  opt.calibration_cutoffs = *calib;
  opt.threads = *threads;
  const auto t0 = std::chrono::steady_clock::now();
  auto model = Model::Train(*panel, opt);
  if (!model.ok()) return FailWith(model.error());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (auto st = model->Save(*out); !st.ok()) return FailWith(st.error());
  std::printf(
      "trained %s on %zu series x %zu slots (%s) in %.2f s; %zu calibration residuals; last observed %s; "
      "saved %s\n",
      opt.method.c_str(), panel->ids.size(), panel->length, std::string(FreqName(panel->freq)).c_str(), secs,
      model->calibration_residuals(), FormatTimestamp(model->last_observed()).c_str(), out->c_str());
  return 0;
}

int PredictCommand(const std::vector<std::string>& words) {
  auto args = Args::Parse(words, {"model-file", "data", "freq", "zone", "from", "to", "out"},
                          {"fill-gaps", "timing"});
  if (!args.ok()) return FailWith(args.error());
  auto path = args->Required("model-file");
  if (!path.ok()) return FailWith(path.error());
  auto from = args->Time("from", false);
  auto to = args->Time("to", true);
  if (!from.ok()) return FailWith(from.error());
  if (!to.ok()) return FailWith(to.error());
  const auto t_load = std::chrono::steady_clock::now();
  auto model = Model::Load(*path);
  if (!model.ok()) return FailWith(model.error());
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_load).count();
  if (auto data = args->Get("data")) {
    auto panel = LoadPanelArg(*args, *data);
    if (!panel.ok()) return FailWith(panel.error());
    if (auto st = model->Observe(*panel); !st.ok()) return FailWith(st.error());
  }
  std::vector<std::string> zones = model->ids();
  if (auto z = args->Get("zone")) zones = SplitList(*z);
  const Timestamp first = model->last_observed() + FreqStep(model->freq());
  const Timestamp lo = from->value_or(first);
  const Timestamp hi = to->value_or(model->last_observed() + FreqStep(model->freq()) * model->horizon());
  std::vector<QuantileForecast> all;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& zone : zones) {
    auto fc = model->Forecast(zone, lo, hi);
    if (!fc.ok()) return FailWith(fc.error());
    all.insert(all.end(), fc->begin(), fc->end());
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::ofstream file;
  if (auto out = args->Get("out")) {
    file.open(*out);
    if (!file) return FailWith(MakeError(ErrorCode::kIo, "cannot open '" + *out + "' for writing"));
  }
  std::ostream& os = file.is_open() ? static_cast<std::ostream&>(file) : std::cout;
  os << "unique_id,ds,point,q10,q50,q90\n";
  char buf[160];
  for (const auto& f : all) {
    std::snprintf(buf, sizeof buf, ",%.3f,%.3f,%.3f,%.3f\n", f.point, f.q10, f.q50, f.q90);
    os << f.unique_id << ',' << FormatTimestamp(f.ds) << buf;
  }
  if (args->Has("timing")) {
    // Warm latency, as a server with the model loaded sees it: repeat every zone's forecast.
    constexpr int kReps = 20;
    const auto t1 = std::chrono::steady_clock::now();
    size_t calls = 0;
    for (int r = 0; r < kReps; ++r) {
      for (const auto& zone : zones) calls += model->Forecast(zone, lo, hi).ok() ? 1 : 0;
    }
    const double warm =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
    std::fprintf(
        stderr,
        "model load %.2f ms; first pass %zu zone forecasts in %.3f ms; warm %.4f ms per zone forecast "
        "(%zu calls)\n",
        load_ms, zones.size(), ms, calls ? warm / static_cast<double>(calls) : 0.0, calls);
  }
  return 0;
}

}  // namespace hotpath::forecast
