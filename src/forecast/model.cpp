#include "forecast/model.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

#include "forecast/backtest.h"

namespace hotpath::forecast {
namespace {

constexpr const char* kMagic = "hotpath-forecast-model";
constexpr int kVersion = 1;

void WriteBlob(std::ostream& out, const std::string& name, const std::string& blob) {
  out << name << ' ' << blob.size() << '\n' << blob << '\n';
}

Result<std::string> ReadBlob(std::istream& in, const std::string& name) {
  std::string key;
  size_t size = 0;
  if (!(in >> key >> size) || key != name)
    return MakeError(ErrorCode::kParse, "model file: expected section " + name);
  in.get();
  std::string blob(size, '\0');
  if (!in.read(blob.data(), static_cast<std::streamsize>(size))) {
    return MakeError(ErrorCode::kParse, "model file: truncated section " + name);
  }
  in.get();
  return blob;
}

}  // namespace

Result<Model> Model::Train(const Panel& history, const ModelOptions& options) {
  if (history.ids.empty() || history.length == 0)
    return MakeError(ErrorCode::kInvalidArgument, "empty history");
  if (options.horizon <= 0) return MakeError(ErrorCode::kInvalidArgument, "horizon must be > 0");
  auto method = MakeMethod(options.method, options.threads);
  if (!method.ok()) return method.error();
  Model model;
  model.options_ = options;
  model.freq_ = history.freq;
  model.ids_ = history.ids;
  model.method_ = std::move(method).value();

  const auto h = static_cast<size_t>(options.horizon);
  const auto spw = static_cast<size_t>(SlotsPerWeek(history.freq));
  const size_t last = history.length - 1;
  size_t k = static_cast<size_t>(options.calibration_cutoffs);
  if (k == 0)
    k = std::max((2 * spw + h - 1) / h, (400 + h * history.ids.size() - 1) / (h * history.ids.size()));
  while (k > 0 && (k * h > last || last - k * h < 2 * spw)) --k;
  model.calibrator_ = ResidualCalibrator(k);
  if (k > 0) {
    const size_t first = last - k * h;
    if (auto st = model.method_->Fit(HistoriesAt(history, first), options.horizon); !st.ok())
      return st.error();
    std::vector<std::vector<double>> out;
    for (size_t c = first; c + 1 <= last; c += h) {
      model.method_->Predict(HistoriesAt(history, c), options.horizon, out);
      std::vector<std::pair<double, double>> batch;
      for (size_t s = 0; s < history.ids.size(); ++s) {
        for (size_t j = 0; j < h && c + 1 + j <= last; ++j) {
          const double y = history.values[s][c + 1 + j];
          if (!std::isnan(y)) batch.emplace_back(out[s][j], y);
        }
      }
      model.calibrator_.AddBatch(batch);
    }
  }
  if (auto st = model.method_->Fit(HistoriesAt(history, last), options.horizon); !st.ok()) return st.error();
  model.start_ = history.start;
  model.length_ = history.length;
  model.history_ = history.values;
  model.TrimHistory();
  return model;
}

void Model::TrimHistory() {
  // Enough for every method's features: 8 weeks (the ETS initialisation needs two, xgb four + horizon).
  const size_t keep = 8 * static_cast<size_t>(SlotsPerWeek(freq_)) + static_cast<size_t>(options_.horizon);
  if (length_ <= keep) return;
  const size_t drop = length_ - keep;
  for (auto& v : history_) v.erase(v.begin(), v.begin() + static_cast<long>(drop));
  start_ += FreqStep(freq_) * static_cast<long>(drop);
  length_ = keep;
}

std::vector<QuantileForecast> Model::ForecastSeries(size_t series) const {
  const std::vector<SeriesHistory> hist = {
      SeriesHistory{series, std::span<const double>(history_[series]), last_observed(), freq_}};
  std::vector<std::vector<double>> out;
  method_->Predict(hist, options_.horizon, out);
  std::vector<QuantileForecast> fc;
  for (size_t j = 0; j < out[0].size(); ++j) {
    const Quantiles q = calibrator_.Predict(out[0][j]);
    fc.push_back(QuantileForecast{ids_[series], last_observed() + FreqStep(freq_) * static_cast<long>(j + 1),
                                  out[0][j], q.q10, q.q50, q.q90});
  }
  return fc;
}

Result<std::vector<QuantileForecast>> Model::Forecast(const std::string& unique_id, Timestamp from,
                                                      Timestamp to) const {
  const auto it = std::find(ids_.begin(), ids_.end(), unique_id);
  if (it == ids_.end()) return MakeError(ErrorCode::kNotFound, "unknown unique_id '" + unique_id + "'");
  const Timestamp first = last_observed() + FreqStep(freq_);
  const Timestamp horizon_end = last_observed() + FreqStep(freq_) * options_.horizon;
  if (to < first || from > horizon_end || to < from) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "range " + FormatTimestamp(from) + " .. " + FormatTimestamp(to) +
                         " outside the forecastable slots " + FormatTimestamp(first) + " .. " +
                         FormatTimestamp(horizon_end));
  }
  auto all = ForecastSeries(static_cast<size_t>(it - ids_.begin()));
  std::erase_if(all, [&](const QuantileForecast& f) { return f.ds < from || f.ds > to; });
  return all;
}

std::vector<QuantileForecast> Model::ForecastAll() const {
  std::vector<QuantileForecast> out;
  for (size_t s = 0; s < ids_.size(); ++s) {
    auto fc = ForecastSeries(s);
    out.insert(out.end(), fc.begin(), fc.end());
  }
  return out;
}

Status Model::Observe(const Panel& recent) {
  if (recent.freq != freq_)
    return MakeError(ErrorCode::kInvalidArgument, "observations have another frequency");
  if (recent.length == 0) return OkStatus();
  const Timestamp new_end = recent.TimeAt(recent.length - 1);
  if (new_end <= last_observed()) return OkStatus();
  if ((new_end - last_observed()) % FreqStep(freq_) != std::chrono::seconds(0)) {
    return MakeError(ErrorCode::kInvalidArgument, "observations are not on the model's time grid");
  }
  const auto added = static_cast<size_t>((new_end - last_observed()) / FreqStep(freq_));
  for (size_t s = 0; s < ids_.size(); ++s) {
    const auto idx = recent.SeriesIndex(ids_[s]);
    for (size_t j = 1; j <= added; ++j) {
      const Timestamp t = last_observed() + FreqStep(freq_) * static_cast<long>(j);
      const auto slot = recent.SlotOf(t);
      history_[s].push_back(idx && slot ? recent.values[*idx][*slot]
                                        : std::numeric_limits<double>::quiet_NaN());
    }
  }
  length_ += added;
  TrimHistory();
  return OkStatus();
}

Status Model::Write(std::ostream& out) const {
  out << kMagic << ' ' << kVersion << '\n'
      << "method " << options_.method << '\n'
      << "freq " << FreqName(freq_) << '\n'
      << "horizon " << options_.horizon << '\n'
      << "start " << start_.time_since_epoch().count() << '\n'
      << "length " << length_ << '\n'
      << "series " << ids_.size() << '\n';
  std::ostringstream values;
  char buf[32];
  for (size_t s = 0; s < ids_.size(); ++s) {
    values << ids_[s] << '\n';
    for (double v : history_[s]) {
      std::snprintf(buf, sizeof buf, "%.10g ", v);
      values << buf;
    }
    values << '\n';
  }
  WriteBlob(out, "history", values.str());
  WriteBlob(out, "calibrator", calibrator_.Save());
  WriteBlob(out, "state", method_->SaveState());
  if (!out) return MakeError(ErrorCode::kIo, "model write failed");
  return OkStatus();
}

Result<Model> Model::Read(std::istream& in) {
  auto bad = [](const std::string& what) { return MakeError(ErrorCode::kParse, "model file: " + what); };
  std::string magic, key, freq_name;
  int version = 0;
  if (!(in >> magic >> version) || magic != kMagic) return bad("not a hotpath forecast model");
  if (version != kVersion) return bad("unsupported version " + std::to_string(version));
  Model model;
  long long start = 0;
  size_t series = 0;
  if (!(in >> key >> model.options_.method) || key != "method") return bad("expected method");
  if (!(in >> key >> freq_name) || key != "freq" || !ParseFreq(freq_name)) return bad("expected freq");
  model.freq_ = *ParseFreq(freq_name);
  if (!(in >> key >> model.options_.horizon) || key != "horizon" || model.options_.horizon <= 0) {
    return bad("expected horizon");
  }
  if (!(in >> key >> start) || key != "start") return bad("expected start");
  model.start_ = Timestamp(std::chrono::seconds(start));
  if (!(in >> key >> model.length_) || key != "length" || model.length_ == 0) return bad("expected length");
  if (!(in >> key >> series) || key != "series") return bad("expected series");
  auto history = ReadBlob(in, "history");
  if (!history.ok()) return history.error();
  std::istringstream hs(*history);
  for (size_t s = 0; s < series; ++s) {
    std::string id, line;
    std::getline(hs, id);
    std::getline(hs, line);
    std::istringstream ls(line);
    std::vector<double> v;
    std::string tok;
    while (ls >> tok)
      v.push_back(tok == "nan" ? std::numeric_limits<double>::quiet_NaN()
                               : std::strtod(tok.c_str(), nullptr));
    if (v.size() != model.length_)
      return bad("series '" + id + "' has " + std::to_string(v.size()) + " values");
    model.ids_.push_back(id);
    model.history_.push_back(std::move(v));
  }
  auto calib = ReadBlob(in, "calibrator");
  if (!calib.ok()) return calib.error();
  if (auto st = model.calibrator_.Load(*calib); !st.ok()) return st.error();
  auto state = ReadBlob(in, "state");
  if (!state.ok()) return state.error();
  auto method = MakeMethod(model.options_.method, 1);
  if (!method.ok()) return method.error();
  model.method_ = std::move(method).value();
  if (auto st = model.method_->LoadState(*state); !st.ok()) return st.error();
  return model;
}

Status Model::Save(const std::string& path) const {
  // A temp name of this process and call: two writers of one path (a CLI train beside the server's
  // retrain) never write into each other's file; the rename makes one of them win whole.
  static std::atomic<unsigned> calls{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(calls.fetch_add(1));
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) return MakeError(ErrorCode::kIo, "cannot open '" + tmp + "' for writing");
    if (auto st = Write(out); !st.ok()) {
      out.close();
      std::remove(tmp.c_str());
      return st;
    }
    out.flush();
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      return MakeError(ErrorCode::kIo, "cannot write '" + tmp + "'");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return MakeError(ErrorCode::kIo, "cannot rename to '" + path + "'");
  }
  return OkStatus();
}

Result<Model> Model::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kIo, "cannot open model file '" + path + "'");
  return Read(in);
}

}  // namespace hotpath::forecast
