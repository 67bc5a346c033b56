#include "forecast/cli.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "forecast/backtest.h"
#include "forecast/cli_args.h"
#include "forecast/cli_model.h"
#include "forecast/convert.h"
#include "forecast/plot.h"

namespace hotpath::forecast {
namespace {

constexpr const char* kUsage =
    "usage: hotpath forecast <command> [flags]\n"
    "  prepare  --nyc DIR | --london FILE [--freq 1d|1h] [--id NAME]  --out PANEL.csv\n"
    "  backtest --data PANEL.csv --test-from DATE [--test-to DATE] [--freq F] [--fill-gaps]\n"
    "           [--horizon 24] [--step H] [--models snaive_day,snaive_week,mean_4w,ets_sqrt_robust,xgb]\n"
    "           (models: snaive_day snaive_week mean_<k>w ets[_sqrt][_robust] xgb[:k=v;...] ens:a+b)\n"
    "           [--hours 17-23] [--retrain-every N] [--calibration-cutoffs N] [--threads 2]\n"
    "           [--out CV.csv] [--json] [--plot FILE.svg --zones a,b [--plot-model NAME]]\n"
    "  train    --data PANEL.csv --out MODEL [--model ets_sqrt_robust] [--horizon 24] [--freq F] "
    "[--fill-gaps]\n"
    "  predict  --model-file MODEL [--data PANEL.csv] [--zone ID] [--from T --to T] [--out FILE.csv]\n";

int Fail(const Error& e) { return FailWith(e); }

int Prepare(const std::vector<std::string>& words) {
  auto args = Args::Parse(words, {"nyc", "london", "freq", "id", "out"}, {});
  if (!args.ok()) return Fail(args.error());
  auto out = args->Required("out");
  if (!out.ok()) return Fail(out.error());
  if (args->Has("nyc") == args->Has("london")) {
    return Fail(MakeError(ErrorCode::kInvalidArgument, "give exactly one of --nyc DIR or --london FILE"));
  }
  Result<Panel> panel = MakeError(ErrorCode::kInternal, "unreachable");
  if (args->Has("nyc")) {
    panel = ConvertNycZones(*args->Get("nyc"));
  } else {
    const auto freq = ParseFreq(args->Get("freq").value_or("1d"));
    if (!freq) return Fail(MakeError(ErrorCode::kInvalidArgument, "--freq must be 15min, 30min, 1h or 1d"));
    panel = ConvertLondonOrders(*args->Get("london"), *freq, args->Get("id").value_or("london_r1"));
  }
  if (!panel.ok()) return Fail(panel.error());
  if (auto st = WritePanelCsv(*panel, *out); !st.ok()) return Fail(st.error());
  std::cerr << "wrote " << *out << ": " << panel->ids.size() << " series x " << panel->length << " slots ("
            << FreqName(panel->freq) << ", " << FormatTimestamp(panel->start) << " .. "
            << FormatTimestamp(panel->TimeAt(panel->length - 1)) << ")\n";
  return 0;
}

void ProgressBar(size_t done, size_t total) {
  const int width = 30;
  const int filled = total ? static_cast<int>(width * done / total) : width;
  std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '#')
            << std::string(static_cast<size_t>(width - filled), '.') << "] " << done << "/" << total
            << " cutoffs" << (done == total ? "\n" : "") << std::flush;
}

Status WriteCv(const Panel& panel, const BacktestResult& r, const std::string& path) {
  std::ofstream out(path);
  if (!out) return MakeError(ErrorCode::kIo, "cannot open '" + path + "' for writing");
  out << "unique_id,ds,cutoff,y";
  for (const auto& m : r.models) out << ',' << m << ',' << m << "-lo-80," << m << "-hi-80";
  out << '\n';
  char buf[64];
  for (const auto& row : r.rows) {
    std::snprintf(buf, sizeof buf, "%.10g", row.y);
    out << panel.ids[row.series] << ',' << FormatTimestamp(panel.TimeAt(row.slot)) << ','
        << FormatTimestamp(panel.TimeAt(row.cutoff)) << ',' << buf;
    for (size_t m = 0; m < r.models.size(); ++m) {
      std::snprintf(buf, sizeof buf, ",%.4f,%.4f,%.4f", row.point[m], row.q10[m], row.q90[m]);
      out << buf;
    }
    out << '\n';
  }
  if (!out) return MakeError(ErrorCode::kIo, "write to '" + path + "' failed");
  return OkStatus();
}

void PrintScores(const BacktestResult& r, bool json) {
  char buf[256];
  if (json) {
    std::cout << "{\"cutoffs\":" << r.cutoffs << ",\"rows\":" << r.rows.size()
              << ",\"fit_seconds\":" << r.fit_seconds << ",\"predict_seconds\":" << r.predict_seconds
              << ",\"models\":[";
    for (size_t i = 0; i < r.scores.size(); ++i) {
      const auto& s = r.scores[i];
      std::snprintf(buf, sizeof buf,
                    "%s{\"model\":\"%s\",\"wape\":%.5f,\"mae\":%.4f,\"mase\":%.4f,\"coverage_80\":%.4f}",
                    i ? "," : "", s.model.c_str(), s.wape, s.mae, s.mase, s.coverage);
      std::cout << buf;
    }
    std::cout << "]}\n";
    return;
  }
  std::printf("%-14s %8s %10s %8s %10s\n", "model", "WAPE", "MAE", "MASE", "cover80");
  for (const auto& s : r.scores) {
    std::printf("%-14s %7.2f%% %10.3f %8.4f %9.1f%%\n", s.model.c_str(), 100 * s.wape, s.mae, s.mase,
                100 * s.coverage);
  }
  std::printf("(%zu cutoffs, %zu rows; fit %.2f s, predict %.2f s)\n", r.cutoffs, r.rows.size(),
              r.fit_seconds, r.predict_seconds);
  std::fflush(stdout);
}

int Backtest(const std::vector<std::string>& words) {
  auto args =
      Args::Parse(words,
                  {"data", "freq", "horizon", "step", "test-from", "test-to", "out", "plot", "zones",
                   "plot-model", "models", "hours", "retrain-every", "calibration-cutoffs", "threads"},
                  {"json", "fill-gaps", "quiet"});
  if (!args.ok()) return Fail(args.error());
  auto data = args->Required("data");
  if (!data.ok()) return Fail(data.error());
  BacktestOptions opt;
  auto horizon = args->Int("horizon", 24, 1, 10000);
  if (!horizon.ok()) return Fail(horizon.error());
  auto step = args->Int("step", *horizon, 1, 10000);
  auto retrain = args->Int("retrain-every", 0, 0, 100000);
  auto calib = args->Int("calibration-cutoffs", 0, 0, 100000);
  auto threads = args->Int("threads", 2, 1, 2);
  auto from = args->Time("test-from", false);
  auto to = args->Time("test-to", true);
  auto hours = args->IntList("hours");
  for (const Error* e : {step.ok() ? nullptr : &step.error(), retrain.ok() ? nullptr : &retrain.error(),
                         calib.ok() ? nullptr : &calib.error(), threads.ok() ? nullptr : &threads.error(),
                         from.ok() ? nullptr : &from.error(), to.ok() ? nullptr : &to.error(),
                         hours.ok() ? nullptr : &hours.error()}) {
    if (e != nullptr) return Fail(*e);
  }
  if (!*from) return Fail(MakeError(ErrorCode::kInvalidArgument, "missing required --test-from"));
  opt.horizon = *horizon;
  opt.step = *step;
  opt.retrain_every = *retrain;
  opt.calibration_cutoffs = *calib;
  opt.threads = *threads;
  opt.test_from = **from;
  opt.test_to = *to;
  opt.hours = *hours;
  if (auto models = args->Get("models")) opt.models = SplitList(*models);
  auto panel = LoadPanelArg(*args, *data);
  if (!panel.ok()) return Fail(panel.error());
  const bool quiet = args->Has("quiet");
  auto result = RunBacktest(*panel, opt, quiet ? ProgressFn() : ProgressFn(ProgressBar));
  if (!result.ok()) return Fail(result.error());
  if (auto out = args->Get("out")) {
    if (auto st = WriteCv(*panel, *result, *out); !st.ok()) return Fail(st.error());
  }
  if (auto plot = args->Get("plot")) {
    std::vector<size_t> series;
    for (const auto& z : SplitList(args->Get("zones").value_or(panel->ids.front()))) {
      const auto idx = panel->SeriesIndex(z);
      if (!idx) return Fail(MakeError(ErrorCode::kInvalidArgument, "--zones: unknown unique_id '" + z + "'"));
      series.push_back(*idx);
    }
    size_t model = 0;
    for (size_t m = 0; m < result->scores.size(); ++m) {
      if (result->scores[m].wape < result->scores[model].wape) model = m;
    }
    if (auto name = args->Get("plot-model")) {
      const auto it = std::find(result->models.begin(), result->models.end(), *name);
      if (it == result->models.end())
        return Fail(MakeError(ErrorCode::kInvalidArgument, "--plot-model not in --models"));
      model = static_cast<size_t>(it - result->models.begin());
    }
    std::ofstream svg(*plot);
    svg << BacktestSvg(*panel, *result, series, model);
    if (!svg) return Fail(MakeError(ErrorCode::kIo, "cannot write '" + *plot + "'"));
  }
  PrintScores(*result, args->Has("json"));
  return 0;
}

}  // namespace

int ForecastCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "help") {
    std::cerr << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "prepare") return Prepare(rest);
  if (args[0] == "backtest") return Backtest(rest);
  if (args[0] == "train") return TrainCommand(rest);
  if (args[0] == "predict") return PredictCommand(rest);
  std::cerr << "error: unknown forecast command '" << args[0] << "'\n" << kUsage;
  return 2;
}

}  // namespace hotpath::forecast
