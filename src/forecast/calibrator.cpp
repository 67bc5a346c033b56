#include "forecast/calibrator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace hotpath::forecast {
namespace {

constexpr size_t kBins = 5;
constexpr size_t kMinPerBin = 40;

double Norm(double f) { return std::sqrt(std::max(f, 0.0) + 1.0); }

double Empirical(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  const double pos = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

void ResidualCalibrator::AddBatch(const std::vector<std::pair<double, double>>& forecast_actual) {
  if (forecast_actual.empty()) return;
  batches_.push_back(forecast_actual);
  total_ += forecast_actual.size();
  while (batches_.size() > window_) {
    total_ -= batches_.front().size();
    batches_.pop_front();
  }
  Rebuild();
}

void ResidualCalibrator::Rebuild() {
  std::vector<std::pair<double, double>> all;  // (forecast, normalised residual)
  all.reserve(total_);
  for (const auto& b : batches_) {
    for (const auto& [f, y] : b) all.emplace_back(f, (y - f) / Norm(f));
  }
  std::sort(all.begin(), all.end());
  bins_.clear();
  const size_t nbins = std::max<size_t>(1, std::min(kBins, all.size() / kMinPerBin));
  for (size_t b = 0; b < nbins; ++b) {
    const size_t from = all.size() * b / nbins, to = all.size() * (b + 1) / nbins;
    if (from == to) continue;
    Bin bin;
    bin.upper = all[to - 1].first;
    for (size_t i = from; i < to; ++i) bin.residuals.push_back(all[i].second);
    std::sort(bin.residuals.begin(), bin.residuals.end());
    bins_.push_back(std::move(bin));
  }
}

Quantiles ResidualCalibrator::Predict(double forecast) const {
  if (bins_.empty()) return {forecast, forecast, forecast};
  size_t b = 0;
  while (b + 1 < bins_.size() && forecast > bins_[b].upper) ++b;
  const auto& r = bins_[b].residuals;
  const double s = Norm(forecast);
  Quantiles q;
  q.q10 = std::max(0.0, forecast + Empirical(r, 0.1) * s);
  q.q50 = std::max(q.q10, forecast + Empirical(r, 0.5) * s);
  q.q90 = std::max(q.q50, forecast + Empirical(r, 0.9) * s);
  return q;
}

std::string ResidualCalibrator::Save() const {
  std::ostringstream out;
  out << window_ << ' ' << batches_.size() << '\n';
  char buf[64];
  for (const auto& b : batches_) {
    out << b.size();
    for (const auto& [f, y] : b) {
      std::snprintf(buf, sizeof buf, " %.9g %.9g", f, y);
      out << buf;
    }
    out << '\n';
  }
  return out.str();
}

Status ResidualCalibrator::Load(const std::string& text) {
  std::istringstream in(text);
  size_t window = 0, count = 0;
  if (!(in >> window >> count)) return MakeError(ErrorCode::kParse, "calibrator: bad header");
  window_ = window;
  batches_.clear();
  total_ = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t n = 0;
    if (!(in >> n)) return MakeError(ErrorCode::kParse, "calibrator: truncated");
    std::vector<std::pair<double, double>> b(n);
    for (auto& [f, y] : b) {
      if (!(in >> f >> y)) return MakeError(ErrorCode::kParse, "calibrator: truncated batch");
    }
    total_ += n;
    batches_.push_back(std::move(b));
  }
  Rebuild();
  return OkStatus();
}

}  // namespace hotpath::forecast
