#include "events/outbox_relay.h"

#include <fmt/format.h>

#include <map>

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
                          .Add({})) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void OutboxRelay::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxRelay::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

std::int64_t OutboxRelay::position() const {
  std::lock_guard lock(mu_);
  return position_;
}

Result<std::int64_t> OutboxRelay::LoadPosition() {
  return db_.Read<std::int64_t>([](storage::Connection& c) -> Result<std::int64_t> {
    std::int64_t seq = 0;
    HP_TRY(c.Query("SELECT seq FROM outbox_relay WHERE id = 1", {},
                   [&](const storage::Row& r) { seq = r.Int(0); }));
    return seq;
  });
}

Result<std::int64_t> OutboxRelay::RelayOnce() {
  std::lock_guard pass(pass_mu_);
  std::int64_t from;
  {
    std::lock_guard lock(mu_);
    from = position_;
  }
  if (from < 0) {
    HP_ASSIGN(from, LoadPosition());
    std::lock_guard lock(mu_);
    position_ = from;
  }
  std::int64_t total = 0;
  while (true) {
    struct Row {
      std::int64_t seq;
      std::string topic;
      Message message;
    };
    HP_ASSIGN(auto rows, db_.Read<std::vector<Row>>([&](storage::Connection& c) -> Result<std::vector<Row>> {
      std::vector<Row> out;
      HP_TRY(c.Query("SELECT seq, topic, key, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                     {from, std::int64_t{kBatchRows}}, [&](const storage::Row& r) {
                       out.push_back({r.Int(0), r.Text(1), {r.Text(2), r.Text(3)}});
                     }));
      return out;
    }));
    if (rows.empty()) return total;
    // Per topic, in sequence order: a key's events stay in order within their partition.
    std::map<std::string, std::vector<Message>> by_topic;
    for (auto& row : rows) by_topic[row.topic].push_back(std::move(row.message));
    for (const auto& [topic, messages] : by_topic) HP_TRY(bus_.PublishBatch(topic, messages));
    std::int64_t last = rows.back().seq;
    HP_TRY(db_.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
      HP_TRY(c.Exec("INSERT INTO outbox_relay(id, seq) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq",
                    {last}));
      return Ok{};
    }));
    {
      std::lock_guard lock(mu_);
      position_ = last;
    }
    relayed_.Increment(static_cast<double>(rows.size()));
    position_gauge_.Set(static_cast<double>(last));
    total += static_cast<std::int64_t>(rows.size());
    from = last;
    if (rows.size() < static_cast<std::size_t>(kBatchRows)) return total;
  }
}

void OutboxRelay::Loop() {
  bool failing = false;
  while (true) {
    auto relayed = RelayOnce();
    if (!relayed.ok()) {
      failures_.Increment();
      if (!failing) log_.Error("outbox relay failed; retrying", {{"error", relayed.error().message}});
      failing = true;
    } else if (failing) {
      log_.Info("outbox relay recovered");
      failing = false;
    }
    std::unique_lock lock(mu_);
    if (stopping_) return;
    cv_.wait_for(lock, failing ? std::chrono::milliseconds(500) : poll_interval_,
                 [&] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) {
      lock.unlock();
      (void)RelayOnce();  // what committed before the stop still goes out
      return;
    }
  }
}

}  // namespace hotpath::events
