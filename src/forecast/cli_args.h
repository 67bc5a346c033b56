#pragma once
// Minimal `--flag value` / `--switch` parser for the forecast command lines: unknown flags and missing
// values are errors.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "forecast/calendar.h"
#include "forecast/result.h"

namespace hotpath::forecast {

class Args {
 public:
  // `valued` flags take one value, `switches` take none (names without the leading "--").
  static Result<Args> Parse(const std::vector<std::string>& words, const std::set<std::string>& valued,
                            const std::set<std::string>& switches);
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> Get(const std::string& name) const;
  Result<std::string> Required(const std::string& name) const;
  Result<int> Int(const std::string& name, int fallback, int min_value, int max_value) const;
  Result<double> Double(const std::string& name, double fallback, double min_value, double max_value) const;
  // A DATE or date-time; a bare date with end_of_day = true means its last second.
  Result<std::optional<Timestamp>> Time(const std::string& name, bool end_of_day) const;
  Result<std::vector<int>> IntList(const std::string& name) const;  // "17-23" or "1,2,5"

 private:
  std::map<std::string, std::string> values_;
};

std::vector<std::string> SplitList(const std::string& text, char sep = ',');

}  // namespace hotpath::forecast
