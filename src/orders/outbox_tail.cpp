#include "orders/outbox_tail.h"

namespace hotpath::orders {
namespace {
constexpr std::int64_t kBatch = 512;
}  // namespace

OutboxTail::OutboxTail(storage::Database& db, LiveHub& hub, const Logger& log, std::chrono::milliseconds interval)
    : db_(db), hub_(hub), log_(log), interval_(interval) {}

OutboxTail::~OutboxTail() { Stop(); }

Status OutboxTail::Start() {
  HP_ASSIGN(position_, db_.Read<std::int64_t>([](storage::Connection& c) -> Result<std::int64_t> {
    std::int64_t end = 0;
    HP_TRY(c.Query("SELECT COALESCE(MAX(seq), 0) FROM outbox", {}, [&](const storage::Row& r) { end = r.Int(0); }));
    return end;
  }));
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void OutboxTail::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxTail::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Result<int> OutboxTail::Poll() {
  std::int64_t from = position_;
  HP_ASSIGN(auto events, db_.Read<std::vector<OrderEvent>>([from](storage::Connection& c) -> Result<std::vector<OrderEvent>> {
    std::vector<OrderEvent> out;
    HP_TRY(c.Query("SELECT seq, id, type, key, payload FROM outbox WHERE seq > ? AND topic = 'orders' ORDER BY seq LIMIT ?",
                   {from, kBatch}, [&](const storage::Row& r) {
                     out.push_back({r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4)});
                   }));
    return out;
  }));
  for (const auto& ev : events) {
    hub_.Deliver(ev);
    position_ = ev.seq;
  }
  return static_cast<int>(events.size());
}

void OutboxTail::Loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, interval_, [&] { return woken_ || stopping_; });
      if (stopping_) return;
      woken_ = false;
    }
    for (;;) {  // drain a backlog without waiting between batches
      auto n = Poll();
      if (!n.ok()) {
        if (!failing_) log_.Warn("outbox tail: poll failed", {{"error", n.error().message}});
        failing_ = true;
        break;
      }
      if (failing_) log_.Info("outbox tail: polling again");
      failing_ = false;
      if (*n < kBatch) break;
    }
  }
}

}  // namespace hotpath::orders
