#include "functions/notify.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>

#include "functions/order_events.h"
#include "functions/processed.h"
#include "functions/runtime.h"

namespace hotpath::functions {
namespace bj = boost::json;

namespace {

std::string DataText(const events::CloudEvent& ev, std::initializer_list<std::string_view> keys) {
  for (auto k : keys) {
    if (const auto* v = ev.data.if_contains(k); v && v->is_string()) return std::string(v->as_string());
  }
  return "";
}

// Who an event concerns and what to tell them.
struct Message {
  std::vector<std::string> targets;  // an alarm's own: "https://..." webhooks, "mailto:" addresses
  std::vector<std::string> user_ids;
  std::string restaurant_id;  // its staff too ("" for none)
  bool admins = false;
  std::string subject;
};

Result<Message> MessageFor(const events::CloudEvent& ev) {
  Message m;
  if (ev.type == "alarm.state_changed") {
    m.admins = true;
    std::string alarm = DataText(ev, {"alarm", "name"});
    std::string state = DataText(ev, {"state", "new_state"});
    m.subject = fmt::format("Alarm {} is {}", alarm.empty() ? ev.subject : alarm, state.empty() ? "changed" : state);
    if (const auto* notify = ev.data.if_contains("notify"); notify && notify->is_array()) {
      for (const auto& t : notify->as_array()) {
        if (t.is_string()) m.targets.emplace_back(t.as_string());
      }
    }
    return m;
  }
  if (ev.type.rfind("order.", 0) != 0) return Error::Invalid(fmt::format("unknown event type '{}'", ev.type));
  HP_ASSIGN(auto o, ReadOrderEvent(ev));
  m.user_ids.push_back(o.customer_id);
  if (!o.rider_id.empty()) m.user_ids.push_back(o.rider_id);
  m.restaurant_id = o.restaurant_id;
  m.subject = fmt::format("Order {}: {}", o.order_id, o.type.substr(6));
  return m;
}

}  // namespace

Result<Outcome> Notify::Handle(const Invocation& inv) {
  if (IsRiderMilestone(inv.event)) return Outcome::kIgnored;  // tracking's, not an order change
  HP_ASSIGN(auto msg, MessageFor(inv.event));
  const Millis now = clock_.NowMillis();
  std::size_t count = 0;
  // The channels are read first on a read connection: the group-commit writer's round trips are
  // what bounds durable writes, and the unit below then only sends rows without waiting.
  HP_ASSIGN(auto out, db_.Read<std::vector<Delivery>>([&](storage::Connection& c) -> Result<std::vector<Delivery>> {
    std::vector<Delivery> out;
    auto add = [&](const storage::Row& r) {
      Delivery d;
      d.channel_id = r.Text(0);
      d.id = fmt::format("{}.{}", inv.event.id, d.channel_id);
      d.event_id = inv.event.id;
      d.kind = r.Text(1);
      d.target = r.Text(2);
      d.secret = r.OptText(3).value_or("");
      d.subject = msg.subject;
      d.ordering_key = inv.event.subject;
      d.body = d.kind == "email" ? msg.subject + "\r\n\r\n" + inv.record.value : inv.record.value;
      out.push_back(std::move(d));
    };
    // One statement (one round trip): each recipient's channels in id order, recipients in turn.
    std::string sql;
    std::vector<storage::SqlValue> params;
    int n = 0;
    auto add_part = [&](const std::string& where, std::optional<std::string> param) {
      sql += fmt::format("{}SELECT id, kind, target, secret, {} AS part FROM notification_channels WHERE {}",
                         n == 0 ? "" : " UNION ALL ", n, where);
      ++n;
      if (param) params.emplace_back(std::move(*param));
    };
    for (const auto& u : msg.user_ids) add_part("user_id = ?", u);
    if (!msg.restaurant_id.empty())
      add_part("user_id IN (SELECT id FROM users WHERE restaurant_id = ? AND role = 'restaurant')", msg.restaurant_id);
    if (msg.admins) add_part("user_id IN (SELECT id FROM users WHERE role = 'admin')", std::nullopt);
    if (n > 0) HP_TRY(c.Query(sql + " ORDER BY part, id", params, add));
    for (std::size_t i = 0; i < msg.targets.size(); ++i) {
      const std::string& t = msg.targets[i];
      Delivery d;
      d.channel_id = fmt::format("alarm-target-{}", i);
      d.id = fmt::format("{}.{}", inv.event.id, d.channel_id);
      d.event_id = inv.event.id;
      d.subject = msg.subject;
      d.ordering_key = inv.event.subject;
      if (t.rfind("mailto:", 0) == 0 && t.size() > 7) {
        d.kind = "email";
        d.target = t.substr(7);
        d.body = msg.subject + "\r\n\r\n" + inv.record.value;
      } else if (t.rfind("http://", 0) == 0 || t.rfind("https://", 0) == 0) {
        d.kind = "webhook";
        d.target = t;
        d.secret = alarm_secret_;
        d.body = inv.record.value;
      } else {
        continue;  // the alarm API only accepts the two forms above
      }
      out.push_back(std::move(d));
    }
    return out;
  }));
  HP_ASSIGN(bool applied, ApplyOnce(db_, kName, inv.event.id, now, [&](storage::Connection& c) -> Status {
    for (const auto& d : out) {
      HP_TRY(c.ExecLater("INSERT INTO notify_deliveries(id, event_id, channel_id, kind, target, secret, subject, "
                         "ordering_key, body, status, attempts, next_at, created_at) "
                         "VALUES (?,?,?,?,?,?,?,?,?,'pending',0,?,?) ON CONFLICT (id) DO NOTHING",
                    {d.id, d.event_id, d.channel_id, d.kind, d.target,
                     d.secret.empty() ? storage::SqlValue(nullptr) : storage::SqlValue(d.secret), d.subject,
                     d.ordering_key, d.body, now, now}));
    }
    count = out.size();
    return OkStatus();
  }));
  if (!applied) return Outcome::kRepeat;
  if (count == 0) return Outcome::kIgnored;
  sender_.Wake();  // committed: send now
  return Outcome::kApplied;
}

std::optional<Result<std::vector<Outcome>>> Notify::HandleBatch(const std::vector<Invocation>& invocations) {
  if (db_.dialect() != storage::Dialect::kPostgres) return std::nullopt;
  // The deliveries of Handle, with the channels read inside the write: the customer's, the
  // rider's, the restaurant staff's (each delivery id is "<event id>.<channel id>").
  static const std::string kSql =
      "WITH b AS (SELECT * FROM json_to_recordset(?::json) AS b(ord int, event_id text, customer_id text, "
      "rider_id text, restaurant_id text, subject text, ordering_key text, body text)), "
      "fresh AS (INSERT INTO processed_events(function, event_id, processed_at) SELECT ?, event_id, ? FROM b "
      "ON CONFLICT (function, event_id) DO NOTHING RETURNING event_id), "
      "f AS (SELECT b.* FROM b JOIN fresh USING (event_id)), "
      "ch AS (SELECT f.event_id, f.subject, f.ordering_key, f.body, c.id, c.kind, c.target, c.secret "
      "FROM f JOIN notification_channels c ON c.user_id = f.customer_id "
      "UNION ALL SELECT f.event_id, f.subject, f.ordering_key, f.body, c.id, c.kind, c.target, c.secret "
      "FROM f JOIN notification_channels c ON c.user_id = f.rider_id "
      "UNION ALL SELECT f.event_id, f.subject, f.ordering_key, f.body, c.id, c.kind, c.target, c.secret "
      "FROM f JOIN users u ON u.restaurant_id = f.restaurant_id AND u.role = 'restaurant' "
      "JOIN notification_channels c ON c.user_id = u.id), "
      "d AS (INSERT INTO notify_deliveries(id, event_id, channel_id, kind, target, secret, subject, ordering_key, "
      "body, status, attempts, next_at, created_at) "
      "SELECT event_id || '.' || id, event_id, id, kind, target, NULLIF(secret, ''), subject, ordering_key, "
      "CASE WHEN kind = 'email' THEN subject || E'\\r\\n\\r\\n' || body ELSE body END, 'pending', 0, ?, ? FROM ch "
      "ON CONFLICT (id) DO NOTHING) "
      "SELECT event_id, (SELECT count(*) FROM ch WHERE ch.event_id = fresh.event_id) FROM fresh";
  std::vector<Outcome> out(invocations.size(), Outcome::kIgnored);
  boost::json::array rows;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < invocations.size(); ++i) {
    const auto& inv = invocations[i];
    if (IsRiderMilestone(inv.event)) continue;
    if (inv.event.type.rfind("order.", 0) != 0) return std::nullopt;  // alarms (and the unknown) alone
    auto ev = ReadOrderEvent(inv.event);
    if (!ev.ok()) return std::nullopt;  // handled alone: retried, then dead-lettered
    out[i] = Outcome::kRepeat;  // until the statement says it was fresh
    if (!ids.insert(inv.event.id).second) continue;  // the same event twice in one batch
    rows.push_back(boost::json::object{
        {"ord", i}, {"event_id", inv.event.id}, {"customer_id", ev->customer_id},
        {"rider_id", ev->rider_id.empty() ? boost::json::value(nullptr) : boost::json::value(ev->rider_id)},
        {"restaurant_id", ev->restaurant_id.empty() ? boost::json::value(nullptr) : boost::json::value(ev->restaurant_id)},
        {"subject", fmt::format("Order {}: {}", ev->order_id, ev->type.substr(6))},
        {"ordering_key", inv.event.subject}, {"body", inv.record.value}});
  }
  if (rows.empty()) return out;
  const Millis now = clock_.NowMillis();
  std::map<std::string, std::int64_t> deliveries;  // per fresh event
  auto fresh = ApplyBatchOnce(db_, kSql, boost::json::serialize(rows), kName, now, {now, now},
                              [&](const storage::Row& r) { deliveries[r.Text(0)] = r.Int(1); });
  if (!fresh.ok()) return Result<std::vector<Outcome>>(std::move(fresh).error());
  MarkFresh(invocations, *fresh, out);
  bool any = false;
  for (std::size_t i = 0; i < invocations.size(); ++i) {
    if (out[i] != Outcome::kApplied) continue;
    if (deliveries[invocations[i].event.id] == 0) out[i] = Outcome::kIgnored;  // no channel to send to
    any = any || out[i] == Outcome::kApplied;
  }
  if (any) sender_.Wake();  // committed: send now
  return out;
}

Result<bool> Notify::ReplayDeadLetter(const bj::object& dead_letter) {
  const auto* id = dead_letter.if_contains("delivery_id");
  if (!id || !id->is_string()) return false;
  const Millis now = clock_.NowMillis();
  HP_TRY(db_.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
    HP_TRY(c.Exec("UPDATE notify_deliveries SET status = 'pending', next_at = ?, created_at = ? "
                  "WHERE id = ? AND status = 'failed'",
                  {now, now, std::string(id->as_string())}));
    return Ok{};
  }));
  sender_.Wake();
  return true;
}

// ---------------------------------------------------------------------------------------------

Sender::Sender(storage::Database& db, const Clock& clock, const Logger& log, SenderSettings settings)
    : db_(db), clock_(clock), log_(log), settings_(std::move(settings)), rng_(std::random_device{}()) {}

Sender::~Sender() { Stop(); }

void Sender::Start(events::EventBus* dead_letters) {
  dead_letters_ = dead_letters;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  scanner_ = std::thread([this] { ScanLoop(); });
  for (int i = 0; i < std::max(1, settings_.senders); ++i) senders_.emplace_back([this] { SendLoop(); });
}

void Sender::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (scanner_.joinable()) scanner_.join();
  for (auto& t : senders_) t.join();
  senders_.clear();
  queue_.clear();
  holding_.clear();
  sending_keys_.clear();
}

void Sender::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

std::chrono::milliseconds Sender::RetryDelay(int attempts) {
  FunctionSpec s;
  s.backoff_initial = settings_.retry_initial;
  s.backoff_max = settings_.retry_max;
  std::lock_guard lock(mu_);
  return Backoff(s, attempts, std::uniform_real_distribution<double>(0.0, 1.0)(rng_));
}

// The only source of the send queue: due pending rows not already held. A row finished while a
// scan was reading is skipped by its epoch (the scan may have read it before the update).
void Sender::ScanLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const std::uint64_t epoch = ++scan_epoch_;
    std::erase_if(finished_, [&](const auto& kv) { return kv.second + 1 < epoch; });
    wake_ = false;
    lock.unlock();
    const Millis now = clock_.NowMillis();
    auto due = db_.Read<std::vector<Delivery>>([&](storage::Connection& c) -> Result<std::vector<Delivery>> {
      std::vector<Delivery> out;
      HP_TRY(c.Query("SELECT id, event_id, channel_id, kind, target, secret, subject, ordering_key, body, attempts, "
                     "created_at FROM notify_deliveries WHERE status = 'pending' AND next_at <= ? ORDER BY next_at "
                     "LIMIT 1000",
                     {now}, [&](const storage::Row& r) {
                       // Rows written before the key existed have none: they go one at a time per channel.
                       out.push_back(Delivery{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                                              r.OptText(5).value_or(""), r.Text(6), r.OptText(7).value_or(""),
                                              r.Text(8), static_cast<int>(r.Int(9)), r.Int(10)});
                     }));
      return out;
    });
    lock.lock();
    if (!due.ok()) {
      log_.Warn("notification scan failed", {{"error", due.error().message}});
    } else {
      bool added = false;
      for (auto& d : *due) {
        auto f = finished_.find(d.id);
        if (holding_.contains(d.id) || (f != finished_.end() && f->second >= epoch)) continue;
        holding_.insert(d.id);
        std::string key = OrderingKey(d);
        std::string id = d.id;
        queue_.emplace(std::move(id), Queued{std::move(key), std::move(d)});
        added = true;
      }
      if (added) cv_.notify_all();
    }
    cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_ || wake_; });
  }
}

std::string Sender::OrderingKey(const Delivery& d) {
  std::string key;
  key.reserve(d.channel_id.size() + 1 + d.ordering_key.size());
  key.append(d.channel_id).push_back('\n');
  key.append(d.ordering_key);
  return key;
}

std::map<std::string, Sender::Queued>::iterator Sender::NextSendable() {
  // The queue is in id order, i.e. oldest event first: the first entry whose key has nothing in
  // flight is also the oldest queued one of its key (an older one of that key would come first).
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (!sending_keys_.contains(it->second.key)) return it;
  }
  return queue_.end();
}

void Sender::SendLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || NextSendable() != queue_.end(); });
    if (stopping_) return;
    auto next = NextSendable();
    std::string key = std::move(next->second.key);
    Delivery d = std::move(next->second.delivery);
    queue_.erase(next);
    sending_keys_.insert(key);
    lock.unlock();
    auto st = Send(settings_.transport, d, clock_.NowMillis() / 1000);
    Finish(d, st);
    lock.lock();
    sending_keys_.erase(key);
    holding_.erase(d.id);
    finished_[d.id] = scan_epoch_;
    cv_.notify_all();  // the next delivery of this channel and subject may go
  }
}

void Sender::Finish(const Delivery& d, const Status& result) {
  const Millis now = clock_.NowMillis();
  const int attempts = d.attempts + 1;
  bool give_up = false;
  Status st = db_.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
    if (result.ok()) {
      HP_TRY(c.Exec("UPDATE notify_deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, "
                    "last_error = NULL WHERE id = ?",
                    {std::int64_t{attempts}, now, d.id}));
      return Ok{};
    }
    give_up = now - d.created_at >= std::chrono::duration_cast<std::chrono::milliseconds>(settings_.max_age).count();
    if (give_up) {
      HP_TRY(c.Exec("UPDATE notify_deliveries SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?",
                    {std::int64_t{attempts}, result.error().message, d.id}));
    } else {
      HP_TRY(c.Exec("UPDATE notify_deliveries SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?",
                    {std::int64_t{attempts}, now + RetryDelay(attempts).count(), result.error().message, d.id}));
    }
    return Ok{};
  });
  if (!st.ok()) {
    log_.Warn("notification state not recorded", {{"delivery", d.id}, {"error", st.error().message}});
    return;
  }
  if (!result.ok() && attempts == 1)
    log_.Warn("notification not delivered; retrying", {{"delivery", d.id}, {"error", result.error().message}});
  if (give_up) {
    log_.Error("notification gave up", {{"delivery", d.id}, {"attempts", std::to_string(attempts)},
                                        {"error", result.error().message}});
    if (dead_letters_) {
      std::string value = bj::serialize(bj::object{{"function", Notify::kName},
                                                   {"error", result.error().message},
                                                   {"attempts", attempts},
                                                   {"failed_at", now},
                                                   {"delivery_id", d.id},
                                                   {"channel_id", d.channel_id},
                                                   {"kind", d.kind},
                                                   {"target", d.target},
                                                   {"event_id", d.event_id}});
      if (auto pos = dead_letters_->Publish(events::DeadLetterTopic(Notify::kName), d.event_id, value); !pos.ok())
        log_.Error("notification dead letter not published", {{"delivery", d.id}, {"error", pos.error().message}});
    }
  }
}

}  // namespace hotpath::functions
