#include "events/outbox_relay.h"

#include <fmt/format.h>

#include <map>
#include <optional>

namespace hotpath::events {
namespace {
constexpr int kBatchRows = 2000;
}

OutboxRelay::OutboxRelay(storage::Database& db, EventBus& bus, const Logger& log, prometheus::Registry& metrics,
                         std::chrono::milliseconds poll_interval)
    : db_(db),
      bus_(bus),
      log_(log),
      poll_interval_(poll_interval),
      relayed_(prometheus::BuildCounter()
                   .Name("hotpath_outbox_relayed_total")
                   .Help("Outbox rows published to the event bus")
                   .Register(metrics)
                   .Add({})),
      failures_(prometheus::BuildCounter()
                    .Name("hotpath_outbox_relay_failures_total")
                    .Help("Relay passes that failed (bus or database unavailable)")
                    .Register(metrics)
                    .Add({})),
      position_gauge_(prometheus::BuildGauge()
                          .Name("hotpath_outbox_relay_position")
                          .Help("Highest outbox sequence number relayed to the bus")
                          .Register(metrics)
                          .Add({})),
      worker_({.period = poll_interval, .run_at_start = true}, [this] { Pass(); }) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() { worker_.Start(); }

void OutboxRelay::Stop() {
  if (!worker_.running()) return;
  worker_.Stop();
  (void)RelayOnce();  // what committed before the stop still goes out
}

void OutboxRelay::Wake() { worker_.Wake(); }

std::int64_t OutboxRelay::position() const {
  std::lock_guard lock(mu_);
  return position_ ? position_->seq : -1;
}

Result<storage::OutboxPosition> OutboxRelay::LoadPosition() {
  return db_.Read<storage::OutboxPosition>([](storage::Connection& c) -> Result<storage::OutboxPosition> {
    storage::OutboxPosition at;
    const bool pg = c.dialect() == storage::Dialect::kPostgres;
    HP_TRY(c.Query(pg ? "SELECT seq, xid::text::bigint FROM outbox_relay WHERE id = 1"
                      : "SELECT seq, 0 FROM outbox_relay WHERE id = 1",
                   {}, [&](const storage::Row& r) { at = {r.Int(1), r.Int(0)}; }));
    return at;
  });
}

Result<std::int64_t> OutboxRelay::RelayOnce() {
  std::lock_guard pass(pass_mu_);
  std::optional<storage::OutboxPosition> loaded;
  {
    std::lock_guard lock(mu_);
    loaded = position_;
  }
  if (!loaded) {
    HP_ASSIGN(loaded, LoadPosition());
    std::lock_guard lock(mu_);
    position_ = loaded;
  }
  storage::OutboxPosition from = *loaded;
  std::int64_t total = 0;
  while (true) {
    struct Row {
      storage::OutboxPosition at;
      std::string topic;
      Message message;
    };
    HP_ASSIGN(auto rows, db_.Read<std::vector<Row>>([&](storage::Connection& c) -> Result<std::vector<Row>> {
      std::vector<Row> out;
      HP_TRY(storage::ReadOutboxAfter(c, from, "topic, key, payload", "", kBatchRows,
                                      [&](const storage::Row& r, storage::OutboxPosition at) {
                                        out.push_back({at, r.Text(0), {r.Text(1), r.Text(2)}});
                                      }));
      return out;
    }));
    if (rows.empty()) return total;
    // Per topic, in relay order: a key's events stay in order within their partition.
    std::map<std::string, std::vector<Message>> by_topic;
    for (auto& row : rows) by_topic[row.topic].push_back(std::move(row.message));
    for (const auto& [topic, messages] : by_topic) HP_TRY(bus_.PublishBatch(topic, messages));
    const storage::OutboxPosition last = rows.back().at;
    HP_TRY(db_.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
      if (c.dialect() == storage::Dialect::kPostgres) {
        HP_TRY(c.Exec("INSERT INTO outbox_relay(id, seq, xid) VALUES (1, ?, ?::text::xid8) "
                      "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, xid = excluded.xid",
                      {last.seq, last.xid}));
      } else {
        HP_TRY(c.Exec("INSERT INTO outbox_relay(id, seq) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq",
                      {last.seq}));
      }
      return Ok{};
    }));
    {
      std::lock_guard lock(mu_);
      position_ = last;
    }
    relayed_.Increment(static_cast<double>(rows.size()));
    position_gauge_.Set(static_cast<double>(last.seq));
    total += static_cast<std::int64_t>(rows.size());
    from = last;
    if (rows.size() < static_cast<std::size_t>(kBatchRows)) return total;
  }
}

void OutboxRelay::Pass() {
  auto relayed = RelayOnce();
  if (!relayed.ok()) {
    failures_.Increment();
    if (!failing_) log_.Error("outbox relay failed; retrying", {{"error", relayed.error().message}});
    failing_ = true;
  } else if (failing_) {
    log_.Info("outbox relay recovered");
    failing_ = false;
  }
  worker_.SetPeriod(failing_ ? std::chrono::milliseconds(500) : poll_interval_);
}

}  // namespace hotpath::events
