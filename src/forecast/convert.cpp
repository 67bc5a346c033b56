#include "forecast/convert.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

namespace hotpath::forecast {
namespace {

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream ss(line);
  while (std::getline(ss, cell, ',')) {
    if (!cell.empty() && cell.back() == '\r') cell.pop_back();
    out.push_back(cell);
  }
  return out;
}

bool ToLong(const std::string& s, long& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Error At(const std::string& file, size_t line, const std::string& what) {
  return MakeError(ErrorCode::kParse, file + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

Result<Panel> ConvertNycZones(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".csv") files.push_back(entry.path().string());
  }
  if (ec) return MakeError(ErrorCode::kIo, "cannot list directory '" + dir + "': " + ec.message());
  std::sort(files.begin(), files.end());
  std::map<long, std::map<Timestamp, std::pair<double, std::string>>> zones;  // zone -> ds -> (count, where)
  size_t used = 0;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string line;
    if (!std::getline(in, line)) continue;
    const auto header = Split(line);
    if (header.size() != 4 || header[1] != "PUZone" || header[2] != "Count" || header[3] != "PUTime")
      continue;
    ++used;
    size_t line_no = 1;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.empty() || line == "\r") continue;
      const auto cells = Split(line);
      long zone = 0, count = 0;
      if (cells.size() != 4 || !ToLong(cells[1], zone) || !ToLong(cells[2], count)) {
        return At(file, line_no, "expected index,PUZone,Count,PUTime with integer zone and count");
      }
      if (count < 0) return At(file, line_no, "negative count");
      const auto ds = ParseTimestamp(cells[3]);
      if (!ds) return At(file, line_no, "bad PUTime '" + cells[3] + "'");
      const std::string where = file + ":" + std::to_string(line_no);
      auto [it, inserted] = zones[zone].emplace(*ds, std::make_pair(static_cast<double>(count), where));
      if (!inserted) return At(file, line_no, "duplicate zone/hour (first at " + it->second.second + ")");
    }
  }
  if (used == 0)
    return MakeError(ErrorCode::kNotFound, "no ',PUZone,Count,PUTime' CSV files in '" + dir + "'");
  Timestamp start = Timestamp::max(), end = Timestamp::min();
  for (const auto& [zone, series] : zones) {
    start = std::min(start, series.begin()->first);
    end = std::max(end, series.rbegin()->first);
  }
  Panel panel;
  panel.freq = Freq::k1h;
  panel.start = start;
  panel.length = static_cast<size_t>((end - start) / std::chrono::hours(1)) + 1;
  for (const auto& [zone, series] : zones) {
    std::vector<double> v(panel.length, std::numeric_limits<double>::quiet_NaN());
    for (const auto& [ds, cw] : series) {
      const auto slot = panel.SlotOf(ds);
      if (!slot) return MakeError(ErrorCode::kParse, cw.second + ": PUTime not on the hourly grid");
      v[*slot] = cw.first;
    }
    for (size_t t = 1; t + 1 < panel.length; ++t) {
      if (std::isnan(v[t]) && !std::isnan(v[t - 1])) {
        return MakeError(ErrorCode::kParse, "zone " + std::to_string(zone) + " has no row for " +
                                                FormatTimestamp(panel.TimeAt(t)) + " (gap)");
      }
    }
    panel.ids.push_back(std::to_string(zone));
    panel.values.push_back(std::move(v));
  }
  return panel;
}

Result<Panel> ConvertLondonOrders(const std::string& file, Freq freq, const std::string& unique_id) {
  std::ifstream in(file);
  if (!in) return MakeError(ErrorCode::kIo, "cannot open '" + file + "'");
  std::string line;
  if (!std::getline(in, line)) return At(file, 1, "empty file");
  const auto header = Split(line);
  if (header.size() < 2 || header[0].find("OrderNumber") == std::string::npos || header[1] != "OrderDate") {
    return At(file, 1, "expected header OrderNumber,OrderDate,...");
  }
  std::map<std::string, std::pair<Timestamp, size_t>> orders;  // order -> (time, first line)
  size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const auto cells = Split(line);
    // OrderDate is dd/mm/yyyy HH:MM
    const std::string& d = cells.size() >= 2 ? cells[1] : std::string();
    if (d.size() != 16 || d[2] != '/' || d[5] != '/' || d[10] != ' ') {
      return At(file, line_no, "bad OrderDate '" + d + "' (expected dd/mm/yyyy HH:MM)");
    }
    const std::string iso =
        d.substr(6, 4) + "-" + d.substr(3, 2) + "-" + d.substr(0, 2) + " " + d.substr(11, 5);
    const auto ts = ParseTimestamp(iso);
    if (!ts) return At(file, line_no, "bad OrderDate '" + d + "'");
    auto [it, inserted] = orders.emplace(cells[0], std::make_pair(*ts, line_no));
    if (!inserted && it->second.first != *ts) {
      return At(file, line_no,
                "order " + cells[0] + " has two different dates (first at line " +
                    std::to_string(it->second.second) + ")");
    }
  }
  if (orders.empty()) return At(file, line_no, "no orders");
  Timestamp first = Timestamp::max(), last = Timestamp::min();
  for (const auto& [id, tl] : orders) {
    first = std::min(first, tl.first);
    last = std::max(last, tl.first);
  }
  Panel panel;
  panel.freq = freq;
  panel.start = std::chrono::floor<std::chrono::days>(first);
  const Timestamp end = std::chrono::floor<std::chrono::days>(last) + std::chrono::days(1);
  panel.length = static_cast<size_t>((end - panel.start) / FreqStep(freq));
  panel.ids = {unique_id};
  panel.values.assign(1, std::vector<double>(panel.length, 0.0));
  for (const auto& [id, tl] : orders) {
    panel.values[0][static_cast<size_t>((tl.first - panel.start) / FreqStep(freq))] += 1.0;
  }
  return panel;
}

}  // namespace hotpath::forecast
