#include "storage/postgres.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace hotpath::storage {
namespace {

// Parameter types fixed at prepare time for numbers; text and NULL are left to the server to infer
// from the statement (a TEXT column, a BIGINT column compared with a string literal, ...).
Oid TypeOf(const SqlValue& v) {
  switch (v.index()) {
    case 1:
      return 20;  // int8
    case 2:
      return 701;  // float8
    default:
      return 0;
  }
}

struct ResultGuard {
  PGresult* res;
  ~ResultGuard() { PQclear(res); }
};

}  // namespace

std::int64_t PgRow::Int(int col) const {
  const char* v = PQgetvalue(res_, row_, col);
  std::int64_t out = 0;
  std::from_chars(v, v + std::strlen(v), out);
  return out;
}

double PgRow::Double(int col) const { return std::strtod(PQgetvalue(res_, row_, col), nullptr); }

std::string PgRow::Text(int col) const {
  return std::string(PQgetvalue(res_, row_, col), static_cast<std::size_t>(PQgetlength(res_, row_, col)));
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& dsn, int connect_timeout_s) {
  // expand_dbname: `dsn` is a URL or keyword string; the keywords after it fill what it leaves out.
  std::string timeout = std::to_string(connect_timeout_s);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {dsn.c_str(), timeout.c_str(), "hotpath", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) return Error::Unavailable("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Error::Unavailable(fmt::format("cannot connect to PostgreSQL: {}", msg));
  }
  std::unique_ptr<PgConnection> c(new PgConnection(conn));
  // Timestamps are epoch milliseconds in BIGINT columns; floats print exactly (extra_float_digits
  // defaults to 1 since PostgreSQL 12, which is the shortest exact form).
  HP_TRY(c->ExecScript("SET client_min_messages = warning"));
  return c;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::string PgConnection::RewritePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char ch : sql) {
    if (quote) {
      if (ch == quote) quote = 0;
      out.push_back(ch);
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      out.push_back(ch);
    } else if (ch == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

Error PgConnection::ErrorFrom(const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string text = fmt::format("{}: {}{}", what, msg, code.empty() ? "" : " (SQLSTATE " + code + ")");
  if (!healthy() || code.rfind("08", 0) == 0 || code == "57P01" || code == "57P02" || code == "57P03") {
    retryable_ = true;
    return Error::Unavailable(text);
  }
  if (code == "40001" || code == "40P01") {
    retryable_ = true;
    return Error::Unavailable(text);
  }
  if (code.rfind("23", 0) == 0) return Error::Conflict(text);
  if (code == "25006" || code.rfind("53", 0) == 0 || code == "57014") return Error::Unavailable(text);
  return Error::Internal(text);
}

Result<const std::string*> PgConnection::Prepare(std::string_view sql, const std::vector<SqlValue>& params) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) return &it->second;
  std::string name = fmt::format("s{}", prepared_.size() + 1);
  std::string text = RewritePlaceholders(sql);
  std::vector<Oid> types;
  types.reserve(params.size());
  for (const auto& p : params) types.push_back(TypeOf(p));
  ResultGuard g{PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()),
                          types.empty() ? nullptr : types.data())};
  if (PQresultStatus(g.res) != PGRES_COMMAND_OK) return ErrorFrom(g.res, fmt::format("prepare '{}'", sql));
  auto [it, _] = prepared_.emplace(std::string(sql), std::move(name));
  return &it->second;
}

Result<std::int64_t> PgConnection::Run(std::string_view sql, const std::vector<SqlValue>& params,
                                       const std::function<void(const Row&)>* on_row) {
  HP_ASSIGN(const std::string* name, Prepare(sql, params));
  std::vector<std::string> text(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) {
            return;
          } else if constexpr (std::is_same_v<T, std::string>) {
            values[i] = v.c_str();
          } else {
            text[i] = fmt::format("{}", v);  // shortest exact form for doubles
            values[i] = text[i].c_str();
          }
        },
        params[i]);
  }
  ResultGuard g{PQexecPrepared(conn_, name->c_str(), static_cast<int>(params.size()), values.data(), nullptr,
                               nullptr, 0)};
  auto status = PQresultStatus(g.res);
  if (status == PGRES_TUPLES_OK) {
    if (on_row && *on_row) {
      int n = PQntuples(g.res);
      for (int r = 0; r < n; ++r) (*on_row)(PgRow(g.res, r));
    }
    return std::int64_t{PQntuples(g.res)};
  }
  if (status == PGRES_COMMAND_OK) {
    const char* tuples = PQcmdTuples(g.res);
    std::int64_t changed = 0;
    std::from_chars(tuples, tuples + std::strlen(tuples), changed);
    return changed;
  }
  return ErrorFrom(g.res, "query");
}

Status PgConnection::Query(std::string_view sql, const std::vector<SqlValue>& params,
                           const std::function<void(const Row&)>& on_row) {
  HP_TRY(Run(sql, params, &on_row));
  return OkStatus();
}

Result<std::int64_t> PgConnection::Exec(std::string_view sql, const std::vector<SqlValue>& params) {
  return Run(sql, params, nullptr);
}

Status PgConnection::ExecScript(std::string_view sql) {
  std::string s(sql);
  ResultGuard g{PQexec(conn_, s.c_str())};
  auto status = PQresultStatus(g.res);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY)
    return OkStatus();
  Error e = ErrorFrom(g.res, "exec");
  e.message = "sql: " + e.message;
  return e;
}

}  // namespace hotpath::storage
