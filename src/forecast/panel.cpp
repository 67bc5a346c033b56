#include "forecast/panel.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <istream>
#include <limits>
#include <map>
#include <ostream>
#include <unordered_map>

namespace hotpath::forecast {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    const size_t comma = line.find(',', pos);
    if (comma == std::string_view::npos) {
      out.push_back(line.substr(pos));
      return out;
    }
    out.push_back(line.substr(pos, comma - pos));
    pos = comma + 1;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '"')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  return s;
}

std::optional<double> ParseNumber(std::string_view s) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

struct RawRow {
  size_t series;
  Timestamp ds;
  double y;
  size_t line;
};

Error LineError(const std::string& source, size_t line, const std::string& what) {
  return MakeError(ErrorCode::kParse, source + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

std::optional<size_t> Panel::SlotOf(Timestamp t) const {
  if (t < start) return std::nullopt;
  const auto step = FreqStep(freq);
  const auto offset = t - start;
  if (offset % step != std::chrono::seconds(0)) return std::nullopt;
  const auto slot = static_cast<size_t>(offset / step);
  if (slot >= length) return std::nullopt;
  return slot;
}

std::optional<size_t> Panel::SeriesIndex(const std::string& id) const {
  const auto it = std::find(ids.begin(), ids.end(), id);
  if (it == ids.end()) return std::nullopt;
  return static_cast<size_t>(it - ids.begin());
}

Result<Panel> ParsePanelCsv(std::istream& in, const PanelReadOptions& options, const std::string& source) {
  std::string line;
  if (!std::getline(in, line)) return LineError(source, 1, "empty file: expected header unique_id,ds,y");
  int col_id = -1, col_ds = -1, col_y = -1;
  const auto header = SplitCsv(line);
  for (size_t i = 0; i < header.size(); ++i) {
    auto name = Trim(header[i]);
    if (i == 0 && name.size() >= 3 && name.substr(0, 3) == "\xEF\xBB\xBF") name.remove_prefix(3);
    if (name == "unique_id") col_id = static_cast<int>(i);
    if (name == "ds") col_ds = static_cast<int>(i);
    if (name == "y") col_y = static_cast<int>(i);
  }
  if (col_id < 0 || col_ds < 0 || col_y < 0) {
    return LineError(source, 1, "header must contain unique_id, ds and y columns, got '" + line + "'");
  }
  const size_t need = static_cast<size_t>(std::max({col_id, col_ds, col_y})) + 1;
  std::vector<std::string> ids;
  std::unordered_map<std::string, size_t> id_index;
  std::vector<RawRow> rows;
  std::vector<std::pair<Timestamp, size_t>> last_seen;  // per series: last ds and its line
  size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (Trim(line).empty()) continue;
    const auto cells = SplitCsv(line);
    if (cells.size() < need) {
      return LineError(
          source, line_no,
          "expected at least " + std::to_string(need) + " columns, got " + std::to_string(cells.size()));
    }
    const std::string id(Trim(cells[static_cast<size_t>(col_id)]));
    if (id.empty()) return LineError(source, line_no, "empty unique_id");
    const auto ds = ParseTimestamp(Trim(cells[static_cast<size_t>(col_ds)]));
    if (!ds) {
      return LineError(source, line_no,
                       "bad ds '" + std::string(Trim(cells[static_cast<size_t>(col_ds)])) +
                           "' (expected YYYY-MM-DD[ HH:MM[:SS]])");
    }
    const auto y_text = Trim(cells[static_cast<size_t>(col_y)]);
    const auto y = ParseNumber(y_text);
    if (!y) return LineError(source, line_no, "y is not a number: '" + std::string(y_text) + "'");
    if (!std::isfinite(*y))
      return LineError(source, line_no, "y is not finite: '" + std::string(y_text) + "'");
    if (*y < 0)
      return LineError(source, line_no, "negative y " + std::string(y_text) + " (demand counts are >= 0)");
    auto [it, inserted] = id_index.emplace(id, ids.size());
    if (inserted) {
      ids.push_back(id);
      last_seen.emplace_back(*ds, line_no);
    } else {
      const auto [prev_ds, prev_line] = last_seen[it->second];
      if (*ds == prev_ds) {
        return LineError(source, line_no,
                         "duplicate row for unique_id '" + id + "' at " + FormatTimestamp(*ds) +
                             " (first at line " + std::to_string(prev_line) + ")");
      }
      if (*ds < prev_ds) {
        return LineError(source, line_no,
                         "unsorted rows: unique_id '" + id + "' at " + FormatTimestamp(*ds) +
                             " comes after " + FormatTimestamp(prev_ds) + " (line " +
                             std::to_string(prev_line) + "); sort by unique_id, ds");
      }
      last_seen[it->second] = {*ds, line_no};
    }
    rows.push_back(RawRow{it->second, *ds, *y, line_no});
  }
  if (rows.empty()) return LineError(source, line_no, "no data rows");

  // Frequency: given, or the smallest step between consecutive rows of a series.
  Freq freq = Freq::k1d;
  if (options.freq) {
    freq = *options.freq;
  } else {
    std::vector<Timestamp> prev(ids.size(), Timestamp::max());
    auto min_step = std::chrono::seconds::max();
    for (const auto& r : rows) {
      if (prev[r.series] != Timestamp::max()) min_step = std::min(min_step, r.ds - prev[r.series]);
      prev[r.series] = r.ds;
    }
    bool found = false;
    for (Freq f : {Freq::k15min, Freq::k30min, Freq::k1h, Freq::k1d}) {
      if (FreqStep(f) == min_step) {
        freq = f;
        found = true;
      }
    }
    if (!found) {
      return MakeError(ErrorCode::kParse, source + ": cannot infer frequency (smallest step " +
                                              std::to_string(min_step.count()) +
                                              " s); pass --freq 15min|30min|1h|1d");
    }
  }
  const auto step = FreqStep(freq);
  Timestamp start = Timestamp::max(), end = Timestamp::min();
  for (const auto& r : rows) {
    start = std::min(start, r.ds);
    end = std::max(end, r.ds);
  }
  // Align the grid to whole days/slots so different series share it.
  start = std::chrono::floor<std::chrono::days>(start) +
          step * ((start - std::chrono::floor<std::chrono::days>(start)) / step);
  Panel panel;
  panel.freq = freq;
  panel.start = start;
  panel.length = static_cast<size_t>((end - start) / step) + 1;
  panel.ids = ids;
  panel.values.assign(ids.size(), std::vector<double>(panel.length, kNaN));
  std::vector<std::pair<size_t, size_t>> prev_slot(ids.size(), {SIZE_MAX, 0});  // slot, line
  for (const auto& r : rows) {
    if ((r.ds - start) % step != std::chrono::seconds(0)) {
      return LineError(
          source, r.line,
          "ds " + FormatTimestamp(r.ds) + " is not on the " + std::string(FreqName(freq)) + " grid");
    }
    const auto slot = static_cast<size_t>((r.ds - start) / step);
    auto& [ps, pl] = prev_slot[r.series];
    if (ps != SIZE_MAX && slot > ps + 1) {
      if (!options.fill_gaps) {
        return LineError(source, r.line,
                         "gap in unique_id '" + ids[r.series] + "': " + std::to_string(slot - ps - 1) +
                             " missing slot(s) after " + FormatTimestamp(panel.TimeAt(ps)) + " (line " +
                             std::to_string(pl) + "); pass --fill-gaps to treat missing slots as 0");
      }
      for (size_t s = ps + 1; s < slot; ++s) panel.values[r.series][s] = 0.0;
    }
    panel.values[r.series][slot] = r.y;
    ps = slot;
    pl = r.line;
  }
  return panel;
}

Result<Panel> ReadPanelCsv(const std::string& path, const PanelReadOptions& options) {
  std::ifstream in(path);
  if (!in) return MakeError(ErrorCode::kIo, "cannot open panel file '" + path + "'");
  return ParsePanelCsv(in, options, path);
}

Status WritePanelCsv(const Panel& panel, std::ostream& out) {
  out << "unique_id,ds,y\n";
  char buf[64];
  for (size_t s = 0; s < panel.ids.size(); ++s) {
    for (size_t t = 0; t < panel.length; ++t) {
      const double v = panel.values[s][t];
      if (std::isnan(v)) continue;
      std::snprintf(buf, sizeof buf, "%.10g", v);
      out << panel.ids[s] << ',' << FormatTimestamp(panel.TimeAt(t)) << ',' << buf << '\n';
    }
  }
  if (!out) return MakeError(ErrorCode::kIo, "write failed");
  return OkStatus();
}

Status WritePanelCsv(const Panel& panel, const std::string& path) {
  std::ofstream out(path);
  if (!out) return MakeError(ErrorCode::kIo, "cannot open '" + path + "' for writing");
  return WritePanelCsv(panel, out);
}

}  // namespace hotpath::forecast
