#include "forecast/cli_args.h"

#include <charconv>
#include <sstream>

namespace hotpath::forecast {

std::vector<std::string> SplitList(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Result<Args> Args::Parse(const std::vector<std::string>& words, const std::set<std::string>& valued,
                         const std::set<std::string>& switches) {
  Args args;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.size() < 3 || w.substr(0, 2) != "--") {
      return MakeError(ErrorCode::kInvalidArgument, "unexpected argument '" + w + "'");
    }
    std::string name = w.substr(2), value;
    const auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (switches.count(name)) {
      if (eq != std::string::npos)
        return MakeError(ErrorCode::kInvalidArgument, "--" + name + " takes no value");
      args.values_[name] = "1";
      continue;
    }
    if (!valued.count(name)) return MakeError(ErrorCode::kInvalidArgument, "unknown flag --" + name);
    if (eq == std::string::npos) {
      if (i + 1 >= words.size())
        return MakeError(ErrorCode::kInvalidArgument, "--" + name + " needs a value");
      value = words[++i];
    }
    args.values_[name] = value;
  }
  return args;
}

std::optional<std::string> Args::Get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Result<std::string> Args::Required(const std::string& name) const {
  auto v = Get(name);
  if (!v || v->empty()) return MakeError(ErrorCode::kInvalidArgument, "missing required --" + name);
  return *v;
}

Result<int> Args::Int(const std::string& name, int fallback, int min_value, int max_value) const {
  const auto v = Get(name);
  if (!v) return fallback;
  int out = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size() || out < min_value || out > max_value) {
    return MakeError(ErrorCode::kInvalidArgument, "--" + name + " must be an integer in [" +
                                                      std::to_string(min_value) + ", " +
                                                      std::to_string(max_value) + "], got '" + *v + "'");
  }
  return out;
}

Result<double> Args::Double(const std::string& name, double fallback, double min_value,
                            double max_value) const {
  const auto v = Get(name);
  if (!v) return fallback;
  double out = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size() || !(out >= min_value && out <= max_value)) {
    std::ostringstream msg;
    msg << "--" << name << " must be a number in [" << min_value << ", " << max_value << "], got '" << *v
        << "'";
    return MakeError(ErrorCode::kInvalidArgument, msg.str());
  }
  return out;
}

Result<std::optional<Timestamp>> Args::Time(const std::string& name, bool end_of_day) const {
  const auto v = Get(name);
  if (!v) return std::optional<Timestamp>();
  auto t = ParseTimestamp(*v);
  if (!t)
    return MakeError(ErrorCode::kInvalidArgument,
                     "--" + name + ": bad date '" + *v + "' (YYYY-MM-DD[ HH:MM])");
  if (end_of_day && v->size() == 10) *t += std::chrono::days(1) - std::chrono::seconds(1);
  return std::optional<Timestamp>(*t);
}

Result<std::vector<int>> Args::IntList(const std::string& name) const {
  std::vector<int> out;
  const auto v = Get(name);
  if (!v) return out;
  auto bad = [&] { return MakeError(ErrorCode::kInvalidArgument, "--" + name + ": bad list '" + *v + "'"); };
  for (const auto& item : SplitList(*v)) {
    const auto dash = item.find('-');
    int a = 0, b = 0;
    const std::string first = item.substr(0, dash);
    if (std::from_chars(first.data(), first.data() + first.size(), a).ec != std::errc()) return bad();
    b = a;
    if (dash != std::string::npos) {
      const std::string second = item.substr(dash + 1);
      if (std::from_chars(second.data(), second.data() + second.size(), b).ec != std::errc() || b < a)
        return bad();
    }
    for (int x = a; x <= b; ++x) out.push_back(x);
  }
  return out;
}

}  // namespace hotpath::forecast
