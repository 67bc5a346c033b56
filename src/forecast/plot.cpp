#include "forecast/plot.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace hotpath::forecast {
namespace {

constexpr double kWidth = 1000, kHeight = 220, kMargin = 40;

std::string Polyline(const std::vector<std::pair<double, double>>& pts, const char* colour, double width) {
  std::ostringstream out;
  out << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"" << width << "\" points=\"";
  char buf[48];
  for (const auto& [x, y] : pts) {
    std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x, y);
    out << buf;
  }
  out << "\"/>\n";
  return out.str();
}

}  // namespace

std::string BacktestSvg(const Panel& panel, const BacktestResult& result, const std::vector<size_t>& series,
                        size_t model) {
  std::ostringstream svg;
  const double total_h = kHeight * static_cast<double>(series.size()) + 10;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << total_h
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
         "fill=\"white\"/>\n";
  for (size_t p = 0; p < series.size(); ++p) {
    // One point per target slot: the forecast from the latest cutoff before it.
    std::map<size_t, const CvRow*> by_slot;
    for (const auto& row : result.rows) {
      if (row.series != series[p]) continue;
      auto& cur = by_slot[row.slot];
      if (cur == nullptr || row.cutoff > cur->cutoff) cur = &row;
    }
    if (by_slot.empty()) continue;
    double ymax = 1;
    for (const auto& [slot, row] : by_slot)
      ymax = std::max({ymax, row->y, row->q90[model], row->point[model]});
    const double top = kHeight * static_cast<double>(p) + 20, bottom = top + kHeight - 40;
    const size_t s0 = by_slot.begin()->first, s1 = by_slot.rbegin()->first;
    auto x_of = [&](size_t slot) {
      return kMargin + (kWidth - 2 * kMargin) * static_cast<double>(slot - s0) /
                           static_cast<double>(std::max<size_t>(1, s1 - s0));
    };
    auto y_of = [&](double v) { return bottom - (bottom - top) * v / ymax; };
    std::vector<std::pair<double, double>> actual, fc, band_hi, band_lo;
    for (const auto& [slot, row] : by_slot) {
      actual.emplace_back(x_of(slot), y_of(row->y));
      fc.emplace_back(x_of(slot), y_of(row->point[model]));
      band_hi.emplace_back(x_of(slot), y_of(row->q90[model]));
      band_lo.emplace_back(x_of(slot), y_of(row->q10[model]));
    }
    svg << "<polygon fill=\"#9ecae1\" fill-opacity=\"0.5\" points=\"";
    for (const auto& [x, y] : band_hi) svg << x << ',' << y << ' ';
    for (auto it = band_lo.rbegin(); it != band_lo.rend(); ++it) svg << it->first << ',' << it->second << ' ';
    svg << "\"/>\n";
    svg << Polyline(actual, "black", 1.0) << Polyline(fc, "#d62728", 1.2);
    svg << "<line x1=\"" << kMargin << "\" y1=\"" << bottom << "\" x2=\"" << kWidth - kMargin << "\" y2=\""
        << bottom << "\" stroke=\"#888\"/>\n";
    svg << "<text x=\"" << kMargin << "\" y=\"" << top - 5 << "\">" << panel.ids[series[p]]
        << ": actual (black), " << result.models[model] << " (red), 10-90% band; "
        << FormatTimestamp(panel.TimeAt(s0)) << " .. " << FormatTimestamp(panel.TimeAt(s1)) << "; max "
        << ymax << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace hotpath::forecast
