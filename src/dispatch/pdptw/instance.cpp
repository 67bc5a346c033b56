#include "dispatch/pdptw/instance.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hotpath::dispatch::pdptw {
namespace {

Error ParseError(const std::string& source, int line, const std::string& what) {
  return Error{ErrorCode::kParse, source + ":" + std::to_string(line) + ": " + what};
}

Error InvalidError(const std::string& source, int line, const std::string& what) {
  return Error{ErrorCode::kInvalidInstance, source + ":" + std::to_string(line) + ": " + what};
}

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool ToDouble(std::string_view field, double* out) {
  std::string s(field);
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(s.c_str(), &end);
  return errno == 0 && end == s.c_str() + s.size() && std::isfinite(*out);
}

bool ToInt(std::string_view field, int* out) {
  double v = 0;
  if (!ToDouble(field, &v) || v != std::floor(v) || std::fabs(v) > 1e9) return false;
  *out = static_cast<int>(v);
  return true;
}

struct Header {
  int vehicles = 0;
  double capacity = 0;
};

// Pairing, demand and window checks once all nodes are read. `lines[i]` is node i's line number.
Result<Instance> Validate(Instance inst, const std::vector<int>& lines, const std::string& source) {
  const int n = inst.size();
  if (n < 3) return InvalidError(source, lines.empty() ? 1 : lines.back(), "fewer than one request");
  const Node& depot = inst.nodes[0];
  if (depot.demand != 0 || depot.pickup != 0 || depot.delivery != 0) {
    return InvalidError(source, lines[0], "depot (node 0) must have no demand and no siblings");
  }
  for (int i = 1; i < n; ++i) {
    const Node& v = inst.nodes[i];
    auto bad = [&](const std::string& what) {
      return InvalidError(source, lines[i], "node " + std::to_string(i) + ": " + what);
    };
    if (v.ready > v.due) return bad("window opens after it closes");
    if (v.service < 0) return bad("negative service time");
    if ((v.pickup != 0) == (v.delivery != 0)) return bad("must have exactly one sibling");
    NodeId sib = v.pickup != 0 ? v.pickup : v.delivery;
    if (sib < 1 || sib >= n || sib == i) return bad("sibling " + std::to_string(sib) + " out of range");
    const Node& s = inst.nodes[sib];
    if (v.delivery != 0) {
      if (s.pickup != i) return bad("delivery " + std::to_string(sib) + " does not point back");
      if (v.demand < 0 || s.demand != -v.demand) return bad("pickup and delivery demands differ");
      if (v.demand > inst.capacity) return bad("demand exceeds vehicle capacity");
      Time tp = std::max(depot.ready + inst.Dist(0, i), v.ready);
      Time td = std::max(tp + v.service + inst.Dist(i, sib), s.ready);
      Time back = td + s.service + inst.Dist(sib, 0);
      if (tp > v.due + kTimeEps || td > s.due + kTimeEps || back > depot.due + kTimeEps) {
        return InvalidError(source, lines[i],
                            "request " + std::to_string(i) + " cannot be served by any vehicle");
      }
      inst.pickups.push_back(i);
    } else if (s.delivery != i) {
      return bad("pickup " + std::to_string(sib) + " does not point back");
    }
  }
  return inst;
}

}  // namespace

Result<Instance> ParseInstance(std::string_view text, const std::string& source) {
  Instance inst;
  std::vector<int> node_lines;
  bool have_header = false;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    auto fields = SplitFields(line);
    if (fields.empty()) continue;
    if (!have_header) {
      if (fields.size() != 3) return ParseError(source, line_no, "expected `vehicles capacity speed`");
      double speed = 0;
      if (!ToInt(fields[0], &inst.vehicle_limit) || inst.vehicle_limit < 1) {
        return ParseError(source, line_no, "vehicle count must be a positive integer");
      }
      if (!ToDouble(fields[1], &inst.capacity) || inst.capacity <= 0) {
        return ParseError(source, line_no, "capacity must be a positive number");
      }
      // Travel time equals distance in Li & Lim; the speed field is read but not used
      // (several published files carry 0 there).
      if (!ToDouble(fields[2], &speed) || speed < 0) {
        return ParseError(source, line_no, "speed must be a non-negative number");
      }
      have_header = true;
      continue;
    }
    if (fields.size() != 9) {
      return ParseError(source, line_no,
                        "expected 9 fields (id x y demand earliest latest service pickup delivery), got " +
                            std::to_string(fields.size()));
    }
    int id = 0;
    Node v;
    double num[6];
    if (!ToInt(fields[0], &id)) return ParseError(source, line_no, "node id is not an integer");
    if (id != static_cast<int>(inst.nodes.size())) {
      return ParseError(source, line_no, "expected node id " + std::to_string(inst.nodes.size()));
    }
    for (int k = 0; k < 6; ++k) {
      if (!ToDouble(fields[1 + k], &num[k])) {
        return ParseError(source, line_no, "field " + std::to_string(k + 2) + " is not a number");
      }
    }
    if (!ToInt(fields[7], &v.pickup) || !ToInt(fields[8], &v.delivery)) {
      return ParseError(source, line_no, "sibling ids must be integers");
    }
    v.x = num[0];
    v.y = num[1];
    v.demand = num[2];
    v.ready = num[3];
    v.due = num[4];
    v.service = num[5];
    inst.nodes.push_back(v);
    node_lines.push_back(line_no);
  }
  if (!have_header) return ParseError(source, line_no, "empty instance");
  for (size_t i = 0; i < inst.nodes.size(); ++i) {
    int sib = std::max(inst.nodes[i].pickup, inst.nodes[i].delivery);
    if (sib >= inst.size()) {
      return InvalidError(source, node_lines[i], "sibling " + std::to_string(sib) + " out of range");
    }
  }
  const size_t n = inst.nodes.size();
  inst.matrix.resize(n * n);
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = 0; b < n; ++b) {
      inst.matrix[a * n + b] =
          std::hypot(inst.nodes[a].x - inst.nodes[b].x, inst.nodes[a].y - inst.nodes[b].y);
    }
  }
  return Validate(std::move(inst), node_lines, source);
}

Result<Instance> LoadInstance(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kIo, path + ": cannot open file"};
  std::ostringstream buf;
  buf << in.rdbuf();
  auto parsed = ParseInstance(buf.str(), path);
  if (!parsed.ok()) return parsed;
  std::string name = path.substr(path.find_last_of('/') + 1);
  parsed.value().name = name.substr(0, name.find_last_of('.'));
  return parsed;
}

}  // namespace hotpath::dispatch::pdptw
