#include "cluster/process_table.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>

namespace hotpath::cluster {
namespace bj = boost::json;

std::string ProcessTableToJson(const std::vector<ProcessEntry>& processes) {
  bj::array rows;
  for (const auto& p : processes) {
    rows.push_back(
        bj::object{{"slot", p.slot}, {"role", p.role}, {"pid", p.pid}, {"port", p.port}, {"state", p.state}});
  }
  return bj::serialize(bj::object{{"processes", std::move(rows)}});
}

Result<std::vector<ProcessEntry>> ParseProcessTable(std::string_view json) {
  boost::system::error_code ec;
  bj::value v = bj::parse(json, ec);
  const auto* rows = !ec && v.is_object() ? v.as_object().if_contains("processes") : nullptr;
  if (!rows || !rows->is_array()) return Error::Invalid("process table: not {\"processes\": [...]}");
  std::vector<ProcessEntry> out;
  for (const auto& row : rows->as_array()) {
    const auto* o = row.if_object();
    const bj::value* slot = o ? o->if_contains("slot") : nullptr;
    const bj::value* role = o ? o->if_contains("role") : nullptr;
    const bj::value* pid = o ? o->if_contains("pid") : nullptr;
    const bj::value* port = o ? o->if_contains("port") : nullptr;
    const bj::value* state = o ? o->if_contains("state") : nullptr;
    if (!slot || !slot->is_string() || !role || !role->is_string() || !pid || !pid->is_int64() || !port ||
        !port->is_int64() || port->as_int64() <= 0 || port->as_int64() > 65535 || !state ||
        !state->is_string())
      return Error::Invalid(fmt::format("process table: bad entry {}", bj::serialize(row)));
    out.push_back({std::string(slot->as_string()), std::string(role->as_string()),
                   static_cast<pid_t>(pid->as_int64()), static_cast<std::uint16_t>(port->as_int64()),
                   std::string(state->as_string())});
  }
  return out;
}

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) return Error::Unavailable(fmt::format("cannot write {}", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Error::Unavailable(fmt::format("cannot replace {}: {}", path, ec.message()));
  return OkStatus();
}

}  // namespace hotpath::cluster
