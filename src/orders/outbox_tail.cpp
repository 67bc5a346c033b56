#include "orders/outbox_tail.h"

namespace hotpath::orders {
namespace {
constexpr std::int64_t kBatch = 512;
}  // namespace

OutboxTail::OutboxTail(storage::Database& db, LiveHub& hub, const Logger& log, std::chrono::milliseconds interval)
    : db_(db), hub_(hub), log_(log), interval_(interval) {}

OutboxTail::~OutboxTail() { Stop(); }

Status OutboxTail::Start() {
  HP_ASSIGN(position_, db_.Read<storage::OutboxPosition>(
                           [](storage::Connection& c) { return storage::OutboxEnd(c); }));
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
  const storage::OutboxPosition from = position_;
  using Read = std::vector<std::pair<OrderEvent, storage::OutboxPosition>>;
  HP_ASSIGN(auto events, db_.Read<Read>([from](storage::Connection& c) -> Result<Read> {
    Read out;
    HP_TRY(storage::ReadOutboxAfter(c, from, "seq, id, type, key, payload", "topic = 'orders'", kBatch,
                                    [&](const storage::Row& r, storage::OutboxPosition at) {
                                      out.push_back({{r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4)}, at});
                                    }));
    return out;
  }));
  for (const auto& [ev, at] : events) {
    hub_.Deliver(ev);
    position_ = at;
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
