#include "storage/postgres.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>

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

// Parameters as libpq wants them: text, NULL as a null pointer.
struct ParamValues {
  explicit ParamValues(const std::vector<SqlValue>& params) : text(params.size()), values(params.size(), nullptr) {
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
  }
  [[nodiscard]] int size() const { return static_cast<int>(values.size()); }
  std::vector<std::string> text;
  std::vector<const char*> values;
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
  // PQprepare is synchronous, which pipeline mode forbids: collect first (rare: statements are
  // prepared once per connection).
  if (!pending_.empty() && prepared_.find(sql) == prepared_.end()) HP_TRY(Collect());
  HP_ASSIGN(const std::string* name, Prepare(sql, params));
  auto convert = [&](PGresult* res) -> Result<std::int64_t> {
    auto status = PQresultStatus(res);
    if (status == PGRES_TUPLES_OK) {
      if (on_row && *on_row) {
        int n = PQntuples(res);
        for (int r = 0; r < n; ++r) (*on_row)(PgRow(res, r));
      }
      return std::int64_t{PQntuples(res)};
    }
    if (status == PGRES_COMMAND_OK) {
      const char* tuples = PQcmdTuples(res);
      std::int64_t changed = 0;
      std::from_chars(tuples, tuples + std::strlen(tuples), changed);
      return changed;
    }
    return ErrorFrom(res, "query");
  };
  if (!pending_.empty()) {  // travels with the statements sent before it: one round trip for all
    std::optional<Result<std::int64_t>> own;
    HP_TRY(Send(*name, params, [&](PGresult* res) { own.emplace(convert(res)); }));
    HP_TRY(Collect());
    if (!own) return LoseSync("pipeline returned no result");
    return std::move(*own);
  }
  ParamValues v(params);
  ResultGuard g{PQexecPrepared(conn_, name->c_str(), v.size(), v.values.data(), nullptr, nullptr, 0)};
  return convert(g.res);
}

Status PgConnection::QueryLater(std::string_view sql, const std::vector<SqlValue>& params,
                                std::function<void(const Row&)> on_row) {
  if (!pending_.empty() && prepared_.find(sql) == prepared_.end()) HP_TRY(Collect());
  HP_ASSIGN(const std::string* name, Prepare(sql, params));
  std::function<void(PGresult*)> handler;
  if (on_row) {
    handler = [on_row = std::move(on_row)](PGresult* res) {
      if (PQresultStatus(res) != PGRES_TUPLES_OK) return;
      int n = PQntuples(res);
      for (int r = 0; r < n; ++r) on_row(PgRow(res, r));
    };
  }
  return Send(*name, params, std::move(handler));
}

Status PgConnection::CollectPending() {
  if (pending_.empty()) return OkStatus();
  return Collect();
}

Status PgConnection::Send(const std::string& name, const std::vector<SqlValue>& params,
                          std::function<void(PGresult*)> on_result) {
  if (pending_.empty() && PQenterPipelineMode(conn_) != 1) return LoseSync("cannot enter pipeline mode");
  ParamValues v(params);
  if (PQsendQueryPrepared(conn_, name.c_str(), v.size(), v.values.data(), nullptr, nullptr, 0) != 1)
    return LoseSync("cannot send a pipelined statement");
  pending_.push_back(std::move(on_result));
  // On its way now: the server works on it while the unit prepares its next statement.
  if (PQflush(conn_) != 0) return LoseSync("cannot send a pipelined statement");
  return OkStatus();
}

Status PgConnection::Collect() {
  std::vector<std::function<void(PGresult*)>> handlers;
  handlers.swap(pending_);
  const int expected = static_cast<int>(handlers.size());
  if (PQpipelineSync(conn_) != 1) return LoseSync("cannot sync the pipeline");
  std::optional<Error> first_error;
  // Each statement's result is followed by a NULL; then comes the sync point. An error aborts the
  // statements after it (PGRES_PIPELINE_ABORTED) up to the sync.
  for (int i = 0; i < expected; ++i) {
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) return LoseSync("pipeline ended early");
    ResultGuard g{res};
    auto status = PQresultStatus(res);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      if (handlers[i]) handlers[i](res);
    } else if (status != PGRES_PIPELINE_ABORTED && !first_error) {
      first_error = ErrorFrom(res, "query");
    }
    if (PGresult* extra = PQgetResult(conn_); extra != nullptr) {
      PQclear(extra);
      return LoseSync("unexpected extra result in the pipeline");
    }
  }
  ResultGuard sync{PQgetResult(conn_)};
  if (sync.res == nullptr || PQresultStatus(sync.res) != PGRES_PIPELINE_SYNC)
    return LoseSync("pipeline sync point missing");
  if (PQexitPipelineMode(conn_) != 1) return LoseSync("cannot leave pipeline mode");
  if (first_error) return std::move(*first_error);
  return OkStatus();
}

Error PgConnection::LoseSync(std::string_view what) {
  lost_sync_ = true;  // healthy() is false from now on: the owner replaces this connection
  retryable_ = true;
  pending_.clear();
  std::string msg = PQerrorMessage(conn_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return Error::Unavailable(fmt::format("{}{}{}", what, msg.empty() ? "" : ": ", msg));
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
  if (!pending_.empty()) HP_TRY(Collect());  // the simple protocol is not allowed in pipeline mode
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
