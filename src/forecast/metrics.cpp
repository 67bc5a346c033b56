#include "forecast/metrics.h"

#include <cmath>

namespace hotpath::forecast {

double SeasonalNaiveScale(std::span<const double> history, long season) {
  double sum = 0;
  long n = 0;
  for (long t = season; t < static_cast<long>(history.size()); ++t) {
    const double a = history[static_cast<size_t>(t)], b = history[static_cast<size_t>(t - season)];
    if (std::isnan(a) || std::isnan(b)) continue;
    sum += std::abs(a - b);
    ++n;
  }
  return n ? sum / static_cast<double>(n) : 0.0;
}

ScoreBoard::ScoreBoard(std::vector<std::string> models, std::vector<double> series_scale)
    : models_(std::move(models)), scale_(std::move(series_scale)) {
  acc_.assign(models_.size(), std::vector<Acc>(scale_.size()));
}

void ScoreBoard::Add(size_t model, size_t series, double y, double forecast, double q10, double q90) {
  Acc& a = acc_[model][series];
  a.abs_err += std::abs(y - forecast);
  a.abs_y += std::abs(y);
  a.covered += (y >= q10 && y <= q90) ? 1.0 : 0.0;
  ++a.n;
}

std::vector<Score> ScoreBoard::Scores() const {
  std::vector<Score> out;
  for (size_t m = 0; m < models_.size(); ++m) {
    Score s;
    s.model = models_[m];
    double err = 0, absy = 0, covered = 0, mase_sum = 0;
    size_t mase_n = 0;
    for (size_t i = 0; i < scale_.size(); ++i) {
      const Acc& a = acc_[m][i];
      err += a.abs_err;
      absy += a.abs_y;
      covered += a.covered;
      s.n += a.n;
      if (a.n > 0 && scale_[i] > 0) {
        mase_sum += a.abs_err / static_cast<double>(a.n) / scale_[i];
        ++mase_n;
      }
    }
    s.wape = absy > 0 ? err / absy : 0.0;
    s.mae = s.n ? err / static_cast<double>(s.n) : 0.0;
    s.mase = mase_n ? mase_sum / static_cast<double>(mase_n) : 0.0;
    s.coverage = s.n ? covered / static_cast<double>(s.n) : 0.0;
    out.push_back(s);
  }
  return out;
}

}  // namespace hotpath::forecast
