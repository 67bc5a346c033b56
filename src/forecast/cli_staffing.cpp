// `hotpath staffing plan`: a zone's forecast for one day -> couriers per hour -> minimal shift plan.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "forecast/cli.h"
#include "forecast/cli_model.h"
#include "forecast/staffing.h"

namespace hotpath::forecast {
namespace {

constexpr const char* kUsage =
    "usage: hotpath staffing plan --zone ID --date YYYY-MM-DD (--model-file MODEL [--data PANEL.csv] |\n"
    "                             --forecast FORECAST.csv)\n"
    "         [--orders-per-courier-hour 2.5] [--utilisation 0.8] [--service-level 0.9] [--min-couriers 0]\n"
    "         [--shift-starts 7-22] [--shift-lengths 4,6,8] [--json]\n"
    "  FORECAST.csv is the output of `hotpath forecast predict` (unique_id,ds,point,q10,q50,q90).\n"
    "       hotpath staffing evaluate INSTANCE_DIR... [...]   (replays MDRP days; --help for its flags)\n";

Result<std::vector<QuantileForecast>> ReadForecastCsv(const std::string& path, const std::string& zone) {
  std::ifstream in(path);
  if (!in) return MakeError(ErrorCode::kIo, "cannot open '" + path + "'");
  std::string line;
  std::getline(in, line);
  if (line.rfind("unique_id,ds,point,q10,q50,q90", 0) != 0) {
    return MakeError(ErrorCode::kParse, path + ":1: expected header unique_id,ds,point,q10,q50,q90");
  }
  std::vector<QuantileForecast> out;
  for (size_t n = 2; std::getline(in, line); ++n) {
    const auto cells = SplitList(line);
    if (cells.size() != 6)
      return MakeError(ErrorCode::kParse, path + ":" + std::to_string(n) + ": expected 6 columns");
    if (cells[0] != zone) continue;
    QuantileForecast f;
    f.unique_id = cells[0];
    const auto ds = ParseTimestamp(cells[1]);
    char* end = nullptr;
    bool ok = ds.has_value();
    double* fields[] = {&f.point, &f.q10, &f.q50, &f.q90};
    for (int i = 0; i < 4 && ok; ++i) {
      *fields[i] = std::strtod(cells[static_cast<size_t>(i + 2)].c_str(), &end);
      ok = *end == '\0' && *fields[i] >= 0;
    }
    if (!ok) return MakeError(ErrorCode::kParse, path + ":" + std::to_string(n) + ": bad forecast row");
    f.ds = *ds;
    out.push_back(f);
  }
  return out;
}

int Plan(const std::vector<std::string>& words) {
  auto args =
      Args::Parse(words,
                  {"zone", "date", "model-file", "data", "freq", "forecast", "orders-per-courier-hour",
                   "utilisation", "service-level", "min-couriers", "shift-starts", "shift-lengths"},
                  {"json", "fill-gaps"});
  if (!args.ok()) return FailWith(args.error());
  auto zone = args->Required("zone");
  auto date = args->Time("date", false);
  auto oph = args->Double("orders-per-courier-hour", 2.5, 0.01, 1000);
  auto util = args->Double("utilisation", 0.8, 0.01, 1.0);
  auto sl = args->Double("service-level", 0.9, 0.1, 0.9);
  auto minc = args->Int("min-couriers", 0, 0, 100000);
  auto starts = args->IntList("shift-starts");
  auto lengths = args->IntList("shift-lengths");
  if (!zone.ok()) return FailWith(zone.error());
  if (!date.ok()) return FailWith(date.error());
  if (!*date) return FailWith(MakeError(ErrorCode::kInvalidArgument, "missing required --date"));
  for (const Error* e :
       {oph.ok() ? nullptr : &oph.error(), util.ok() ? nullptr : &util.error(),
        sl.ok() ? nullptr : &sl.error(), minc.ok() ? nullptr : &minc.error(),
        starts.ok() ? nullptr : &starts.error(), lengths.ok() ? nullptr : &lengths.error()}) {
    if (e != nullptr) return FailWith(*e);
  }
  const Timestamp day = std::chrono::floor<std::chrono::days>(**date);
  const Timestamp day_end = day + std::chrono::hours(23);
  std::vector<QuantileForecast> fc;
  if (auto path = args->Get("forecast")) {
    auto r = ReadForecastCsv(*path, *zone);
    if (!r.ok()) return FailWith(r.error());
    for (const auto& f : *r) {
      if (f.ds >= day && f.ds <= day_end) fc.push_back(f);
    }
  } else if (auto mpath = args->Get("model-file")) {
    auto model = Model::Load(*mpath);
    if (!model.ok()) return FailWith(model.error());
    if (model->freq() != Freq::k1h)
      return FailWith(MakeError(ErrorCode::kInvalidArgument, "staffing needs an hourly model"));
    if (auto data = args->Get("data")) {
      auto panel = LoadPanelArg(*args, *data);
      if (!panel.ok()) return FailWith(panel.error());
      if (auto st = model->Observe(*panel); !st.ok()) return FailWith(st.error());
    }
    auto r = model->Forecast(*zone, day, day_end);
    if (!r.ok()) return FailWith(r.error());
    fc = *r;
  } else {
    return FailWith(MakeError(ErrorCode::kInvalidArgument, "give --model-file or --forecast"));
  }
  if (fc.empty())
    return FailWith(MakeError(ErrorCode::kNotFound, "no forecast for zone " + *zone + " on that date"));
  StaffingParams params{*oph, *util, *sl, *minc};
  auto need = CouriersNeeded(fc, params);
  if (!need.ok()) return FailWith(need.error());
  std::vector<int> start_hours = starts->empty() ? std::vector<int>{} : *starts;
  if (start_hours.empty()) {
    for (int h = 0; h < 24; ++h) start_hours.push_back(h);
  }
  const std::vector<int> lens = lengths->empty() ? std::vector<int>{4, 6, 8} : *lengths;
  std::vector<ShiftType> types;
  for (int s : start_hours) {
    for (int l : lens) types.push_back(ShiftType{s, l});
  }
  auto plan = PlanShifts(*need, types);
  if (!plan.ok()) return FailWith(plan.error());
  long lower = 0;
  for (const auto& n : *need) lower += n.couriers;
  if (args->Has("json")) {
    std::cout << "{\"zone\":\"" << *zone << "\",\"date\":\"" << FormatTimestamp(day).substr(0, 10)
              << "\",\"hours\":[";
    for (size_t i = 0; i < need->size(); ++i) {
      std::printf(
          "%s{\"hour\":\"%s\",\"q50\":%.2f,\"q90\":%.2f,\"demand\":%.2f,\"couriers\":%d,\"on_duty\":%d}",
          i ? "," : "", FormatTimestamp((*need)[i].hour).c_str(), fc[i].q50, fc[i].q90, (*need)[i].demand,
          (*need)[i].couriers, plan->on_duty[i]);
      std::fflush(stdout);
    }
    std::cout << "],\"shifts\":[";
    for (size_t i = 0; i < plan->shifts.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"start\":\"" << FormatTimestamp(plan->shifts[i].start)
                << "\",\"hours\":" << plan->shifts[i].length_hours
                << ",\"couriers\":" << plan->shifts[i].couriers << "}";
    }
    std::cout << "],\"courier_hours\":" << plan->courier_hours << ",\"lower_bound\":" << lower << "}\n";
    return 0;
  }
  std::printf(
      "zone %s, %s: %.2f orders/courier-hour x %.0f%% utilisation, staffing for the %.0f%% demand quantile\n",
      zone->c_str(), FormatTimestamp(day).substr(0, 10).c_str(), *oph, 100 * *util, 100 * *sl);
  std::printf("%-20s %8s %8s %8s %9s %8s\n", "hour", "q50", "q90", "demand", "couriers", "on_duty");
  for (size_t i = 0; i < need->size(); ++i) {
    std::printf("%-20s %8.1f %8.1f %8.1f %9d %8d\n", FormatTimestamp((*need)[i].hour).c_str(), fc[i].q50,
                fc[i].q90, (*need)[i].demand, (*need)[i].couriers, plan->on_duty[i]);
  }
  std::printf("shifts:\n");
  for (const auto& s : plan->shifts) {
    std::printf("  %s  %2d h  x %d\n", FormatTimestamp(s.start).c_str(), s.length_hours, s.couriers);
  }
  std::printf("courier-hours: %ld (hour-by-hour lower bound %ld)\n", plan->courier_hours, lower);
  return 0;
}

}  // namespace

int StaffingCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "help") {
    std::cerr << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "plan") return Plan(std::vector<std::string>(args.begin() + 1, args.end()));
  std::cerr << "error: unknown staffing command '" << args[0] << "'\n" << kUsage;
  return 2;
}

}  // namespace hotpath::forecast
