#include "dispatch/mdrp/instance.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace hotpath::dispatch::mdrp {
namespace {

struct Row {
  int line = 0;
  std::vector<std::string> fields;
};

class TableReader {
 public:
  explicit TableReader(std::filesystem::path path) : path_(std::move(path)) {}

  // Reads all data rows (header skipped, blank lines ignored) or reports the problem.
  std::optional<LoadError> Read(size_t fields_per_row, std::vector<Row>& rows) const {
    std::ifstream in(path_);
    if (!in) return Error(0, "cannot open file");
    std::string text;
    int line_no = 0;
    while (std::getline(in, text)) {
      ++line_no;
      if (line_no == 1) continue;  // header
      for (char& ch : text) {
        if (ch == ',' || ch == '\r') ch = ' ';
      }
      std::istringstream words(text);
      Row row{line_no, {}};
      for (std::string w; words >> w;) row.fields.push_back(w);
      if (row.fields.empty()) continue;
      if (row.fields.size() != fields_per_row) {
        return Error(line_no, "expected " + std::to_string(fields_per_row) + " fields, found " +
                                  std::to_string(row.fields.size()));
      }
      rows.push_back(std::move(row));
    }
    if (line_no == 0) return Error(0, "file is empty (a header line is required)");
    return std::nullopt;
  }

  LoadError Error(int line, std::string message) const { return {path_.string(), line, std::move(message)}; }

  // Parses a finite number (non-negative unless allowed).
  std::optional<double> Number(const Row& row, size_t i, const char* what, LoadError& err,
                               bool allow_negative = false) const {
    const std::string& w = row.fields[i];
    double v = 0;
    const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc() || end != w.data() + w.size() || !std::isfinite(v)) {
      err = Error(row.line, std::string(what) + " '" + w + "' is not a number");
      return std::nullopt;
    }
    if (!allow_negative && v < 0) {
      err = Error(row.line, std::string(what) + " '" + w + "' is negative");
      return std::nullopt;
    }
    return v;
  }

 private:
  std::filesystem::path path_;
};

TimePoint MinutesToSeconds(double minutes) { return static_cast<TimePoint>(std::llround(minutes * 60.0)); }

std::optional<LoadError> ReadRestaurants(const std::filesystem::path& dir, Instance& inst,
                                         std::unordered_map<std::string, int>& index) {
  TableReader t(dir / "restaurants.txt");
  std::vector<Row> rows;
  if (auto e = t.Read(3, rows)) return e;
  LoadError err;
  for (const Row& r : rows) {
    auto x = t.Number(r, 1, "x", err, true);
    auto y = x ? t.Number(r, 2, "y", err, true) : std::nullopt;
    if (!y) return err;
    if (!index.emplace(r.fields[0], static_cast<int>(inst.restaurants.size())).second) {
      return t.Error(r.line, "duplicate restaurant id '" + r.fields[0] + "'");
    }
    inst.restaurants.push_back({r.fields[0], {*x, *y}});
  }
  return std::nullopt;
}

std::optional<LoadError> ReadOrders(const std::filesystem::path& dir, Instance& inst,
                                    const std::unordered_map<std::string, int>& restaurants) {
  TableReader t(dir / "orders.txt");
  std::vector<Row> rows;
  if (auto e = t.Read(6, rows)) return e;
  std::unordered_map<std::string, int> seen;
  LoadError err;
  for (const Row& r : rows) {
    auto x = t.Number(r, 1, "x", err, true);
    auto y = x ? t.Number(r, 2, "y", err, true) : std::nullopt;
    auto placed = y ? t.Number(r, 3, "placement_time", err) : std::nullopt;
    auto ready = placed ? t.Number(r, 5, "ready_time", err) : std::nullopt;
    if (!ready) return err;
    auto rest = restaurants.find(r.fields[4]);
    if (rest == restaurants.end()) return t.Error(r.line, "unknown restaurant '" + r.fields[4] + "'");
    if (!seen.emplace(r.fields[0], 0).second)
      return t.Error(r.line, "duplicate order id '" + r.fields[0] + "'");
    inst.orders.push_back(
        {r.fields[0], {*x, *y}, MinutesToSeconds(*placed), rest->second, MinutesToSeconds(*ready)});
  }
  return std::nullopt;
}

std::optional<LoadError> ReadCouriers(const std::filesystem::path& dir, Instance& inst) {
  TableReader t(dir / "couriers.txt");
  std::vector<Row> rows;
  if (auto e = t.Read(5, rows)) return e;
  std::unordered_map<std::string, int> seen;
  LoadError err;
  for (const Row& r : rows) {
    auto x = t.Number(r, 1, "x", err, true);
    auto y = x ? t.Number(r, 2, "y", err, true) : std::nullopt;
    auto on = y ? t.Number(r, 3, "on_time", err) : std::nullopt;
    auto off = on ? t.Number(r, 4, "off_time", err) : std::nullopt;
    if (!off) return err;
    if (*off <= *on) return t.Error(r.line, "off_time must be after on_time");
    if (!seen.emplace(r.fields[0], 0).second) {
      return t.Error(r.line, "duplicate courier id '" + r.fields[0] + "'");
    }
    inst.couriers.push_back({r.fields[0], {*x, *y}, MinutesToSeconds(*on), MinutesToSeconds(*off)});
  }
  return std::nullopt;
}

std::optional<LoadError> ReadParameters(const std::filesystem::path& dir, Instance& inst) {
  TableReader t(dir / "instance_parameters.txt");
  std::vector<Row> rows;
  if (auto e = t.Read(7, rows)) return e;
  if (rows.size() != 1) return t.Error(rows.empty() ? 1 : rows[1].line, "expected exactly one data line");
  const char* names[] = {"meters_per_minute",      "pickup service minutes", "dropoff service minutes",
                         "target click-to-door",   "maximum click-to-door",  "pay per order",
                         "guaranteed pay per hour"};
  double v[7];
  LoadError err;
  for (size_t i = 0; i < 7; ++i) {
    auto n = t.Number(rows[0], i, names[i], err);
    if (!n) return err;
    v[i] = *n;
  }
  if (v[0] <= 0) return t.Error(rows[0].line, "meters_per_minute must be positive");
  inst.parameters = {v[0],
                     MinutesToSeconds(v[1]),
                     MinutesToSeconds(v[2]),
                     MinutesToSeconds(v[3]),
                     MinutesToSeconds(v[4]),
                     v[5],
                     v[6]};
  return std::nullopt;
}

}  // namespace

std::string LoadError::ToString() const {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

LoadResult LoadInstance(const std::filesystem::path& dir) {
  Instance inst;
  inst.name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  std::unordered_map<std::string, int> restaurants;
  if (auto e = ReadRestaurants(dir, inst, restaurants)) return *e;
  if (auto e = ReadOrders(dir, inst, restaurants)) return *e;
  if (auto e = ReadCouriers(dir, inst)) return *e;
  if (auto e = ReadParameters(dir, inst)) return *e;
  return inst;
}

}  // namespace hotpath::dispatch::mdrp
