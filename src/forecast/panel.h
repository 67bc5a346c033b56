#pragma once
// A demand panel: one series per unique_id on a common regular time grid (long CSV layout
// `unique_id,ds,y`). Values are non-negative counts; NaN marks a slot outside a series' observed span.
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "forecast/calendar.h"
#include "forecast/result.h"

namespace hotpath::forecast {

struct Panel {
  Freq freq = Freq::k1h;
  Timestamp start{};  // time of slot 0
  size_t length = 0;  // slots on the grid
  std::vector<std::string> ids;
  std::vector<std::vector<double>> values;  // values[series][slot], NaN = not observed

  Timestamp TimeAt(size_t slot) const { return start + FreqStep(freq) * static_cast<long>(slot); }
  // Slot of `t`, or nullopt when t is off the grid or outside it.
  std::optional<size_t> SlotOf(Timestamp t) const;
  std::optional<size_t> SeriesIndex(const std::string& id) const;
};

struct PanelReadOptions {
  std::optional<Freq> freq;  // inferred from the smallest step between rows when absent
  bool fill_gaps = false;    // missing slots inside a series become 0 (no orders) instead of an error
};

// Strict reader: header must name unique_id, ds and y (other columns ignored). Rows of one series
// must be in increasing time order (series may interleave). Errors name the file line for
// non-numeric/negative/non-finite y, bad ds, duplicates, unsorted rows, off-grid times and gaps.
Result<Panel> ParsePanelCsv(std::istream& in, const PanelReadOptions& options, const std::string& source);
Result<Panel> ReadPanelCsv(const std::string& path, const PanelReadOptions& options);

// Writes the observed (non-NaN) values in series-major order.
Status WritePanelCsv(const Panel& panel, std::ostream& out);
Status WritePanelCsv(const Panel& panel, const std::string& path);

}  // namespace hotpath::forecast
