#include "events/kafka_bus.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <condition_variable>

namespace hotpath::events {
namespace {

constexpr int kMetadataTimeoutMs = 10000;
constexpr auto kCommitEvery = std::chrono::milliseconds(100);

struct TopicPartitionList {
  rd_kafka_topic_partition_list_t* list;
  explicit TopicPartitionList(int size = 4) : list(rd_kafka_topic_partition_list_new(size)) {}
  explicit TopicPartitionList(rd_kafka_topic_partition_list_t* l) : list(l) {}
  ~TopicPartitionList() {
    if (list) rd_kafka_topic_partition_list_destroy(list);
  }
  TopicPartitionList(const TopicPartitionList&) = delete;
  TopicPartitionList& operator=(const TopicPartitionList&) = delete;
};

struct MetadataPtr {
  const rd_kafka_metadata_t* md = nullptr;
  ~MetadataPtr() {
    if (md) rd_kafka_metadata_destroy(md);
  }
};

std::string ErrText(rd_kafka_resp_err_t err) { return rd_kafka_err2str(err); }

// librdkafka's own log lines (connection failures, rebalances, ...) as hotpath JSON log lines.
void ForwardLog(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  const auto* ctx = static_cast<const KafkaHandleContext*>(rd_kafka_opaque(rk));
  const Logger* log = ctx ? ctx->log : nullptr;
  if (!log) return;
  LogLevel l = level <= 3 ? LogLevel::kError : level <= 5 ? LogLevel::kWarn : LogLevel::kDebug;
  log->Log(l, "kafka", {{"facility", facility}, {"client", rd_kafka_name(rk)}, {"detail", text}});
}

// Partition count of `topic` from a metadata request (which, from a producer, may ask the broker
// to create it). 0 with kNotFound when the broker does not know it.
Result<int> TopicPartitionCount(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  MetadataPtr md;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md.md, kMetadataTimeoutMs);
  rd_kafka_topic_destroy(rkt);
  if (err) return Error::Unavailable(fmt::format("kafka: metadata for topic {}: {}", topic, ErrText(err)));
  for (int i = 0; i < md.md->topic_cnt; ++i) {
    const auto& t = md.md->topics[i];
    if (topic != t.topic) continue;
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || (t.err == 0 && t.partition_cnt == 0))
      return Error::NotFound(fmt::format("kafka: topic {} does not exist", topic));
    if (t.err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
      return Error::Unavailable(fmt::format("kafka: topic {} has no leader yet", topic));
    if (t.err) return Error::Unavailable(fmt::format("kafka: topic {}: {}", topic, ErrText(t.err)));
    return t.partition_cnt;
  }
  return Error::NotFound(fmt::format("kafka: topic {} does not exist", topic));
}

// Creates a topic with the admin API. Ok when it exists already.
Status CreateTopic(rd_kafka_t* rk, const std::string& topic, int partitions, int replication) {
  char errstr[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, errstr, sizeof errstr);
  if (!nt) return Error::Invalid(fmt::format("kafka: cannot create topic {}: {}", topic, errstr));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, kMetadataTimeoutMs + 5000);
  Status st = OkStatus();
  if (!ev) {
    st = Error::Unavailable(fmt::format("kafka: creating topic {} timed out", topic));
  } else if (rd_kafka_event_error(ev)) {
    st = Error::Unavailable(fmt::format("kafka: creating topic {}: {}", topic, rd_kafka_event_error_string(ev)));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      auto err = rd_kafka_topic_result_error(results[i]);
      if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* msg = rd_kafka_topic_result_error_string(results[i]);
        st = Error::Unavailable(fmt::format("kafka: creating topic {}: {}", topic, msg ? msg : ErrText(err)));
      }
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  return st;
}

// One slot per produced message; the delivery report fills it.
struct DeliveryWait {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t remaining = 0;
  std::vector<Position> positions;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  struct Slot {
    DeliveryWait* wait;
    std::size_t index;
  };
  std::vector<Slot> slots;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* slot = static_cast<DeliveryWait::Slot*>(msg->_private);
  if (!slot) return;
  DeliveryWait& w = *slot->wait;
  std::lock_guard lock(w.mu);
  if (msg->err) {
    if (!w.first_error) w.first_error = msg->err;
  } else {
    w.positions[slot->index] = {msg->partition, msg->offset};
  }
  if (--w.remaining == 0) w.cv.notify_all();
}

Record ToRecord(const rd_kafka_message_t* m) {
  Record r;
  r.topic = rd_kafka_topic_name(m->rkt);
  r.partition = m->partition;
  r.offset = m->offset;
  rd_kafka_timestamp_type_t type;
  r.timestamp = rd_kafka_message_timestamp(m, &type);
  if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
  return r;
}

std::optional<std::string> PercentDecode(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(in[i + 2])))
        return std::nullopt;
      out.push_back(static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

}  // namespace

Result<KafkaSettings> ParseKafkaUrl(const std::string& url, const std::map<std::string, std::string>& properties) {
  constexpr std::string_view kScheme = "kafka://";
  if (url.rfind(kScheme, 0) != 0) return Error::Invalid(fmt::format("not a kafka URL: '{}'", url));
  KafkaSettings s;
  s.properties = properties;
  std::string rest = url.substr(kScheme.size());
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  // host:port[,host:port...]
  std::size_t start = 0;
  while (start <= rest.size()) {
    auto comma = rest.find(',', start);
    std::string hp = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto colon = hp.rfind(':');
    int port = colon == std::string::npos ? -1 : std::atoi(hp.c_str() + colon + 1);
    bool digits = colon != std::string::npos && colon + 1 < hp.size() &&
                  std::all_of(hp.begin() + static_cast<long>(colon) + 1, hp.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (hp.empty() || colon == 0 || !digits || port <= 0 || port > 65535)
      return Error::Invalid(fmt::format("kafka URL '{}': each broker must be host:port with a port 1-65535 (got '{}')",
                                        url, hp));
    s.bootstrap += (s.bootstrap.empty() ? "" : ",") + hp;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!query.empty()) {
    std::size_t at = 0;
    while (at < query.size()) {
      auto amp = query.find('&', at);
      std::string pair = query.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
      at = amp == std::string::npos ? query.size() : amp + 1;
      if (pair.empty()) continue;
      auto eq = pair.find('=');
      auto key = PercentDecode(pair.substr(0, eq));
      auto value = PercentDecode(eq == std::string::npos ? "" : pair.substr(eq + 1));
      if (!key || !value || key->empty()) return Error::Invalid(fmt::format("kafka URL '{}': bad query", url));
      if (*key == "partitions" || *key == "replication_factor") {
        int v = std::atoi(value->c_str());
        if (v < 1 || v > 10000 || std::to_string(v) != *value)
          return Error::Invalid(fmt::format("kafka URL '{}': {} must be a positive integer", url, *key));
        (*key == "partitions" ? s.partitions : s.replication_factor) = v;
      } else {
        s.properties[*key] = *value;
      }
    }
  }
  return s;
}

Result<rd_kafka_t*> NewKafkaHandle(const KafkaSettings& settings, bool producer,
                                   const std::map<std::string, std::string>& defaults, rd_kafka_conf_t* prepared) {
  rd_kafka_conf_t* conf = prepared ? prepared : rd_kafka_conf_new();
  char errstr[512];
  auto set = [&](const std::string& k, const std::string& v) -> Status {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      return Error::Invalid(fmt::format("kafka setting '{}': {}", k, errstr));
    return OkStatus();
  };
  Status st = set("bootstrap.servers", settings.bootstrap);
  if (st.ok()) st = set("client.id", "hotpath");
  if (st.ok()) st = set("log.connection.close", "false");
  for (const auto& [k, v] : defaults) {
    if (st.ok()) st = set(k, v);
  }
  for (const auto& [k, v] : settings.properties) {
    if (st.ok()) st = set(k, v);
  }
  if (!st.ok()) {
    rd_kafka_conf_destroy(conf);
    return std::move(st).error();
  }
  rd_kafka_t* rk = rd_kafka_new(producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return Error::Invalid(fmt::format("kafka: {}", errstr));
  }
  return rk;
}

// ---- bus ----------------------------------------------------------------------------------------

Result<std::unique_ptr<KafkaBus>> KafkaBus::Open(KafkaSettings settings, const Clock& clock, const Logger& log) {
  std::unique_ptr<KafkaBus> bus(new KafkaBus(std::move(settings), clock, log));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, &bus->context_);
  rd_kafka_conf_set_log_cb(conf, ForwardLog);
  HP_ASSIGN(bus->producer_, NewKafkaHandle(bus->settings_, true,
                                           {{"enable.idempotence", "true"},
                                            {"acks", "all"},
                                            {"partitioner", "murmur2_random"},
                                            {"linger.ms", "2"},
                                            {"message.timeout.ms", "30000"}},
                                           conf));
  bus->poller_ = std::thread([b = bus.get()] {
    while (!b->stopping_) rd_kafka_poll(b->producer_, 100);
  });
  // The cluster must answer now: a wrong address is a startup error, not a silent stall.
  MetadataPtr md;
  rd_kafka_resp_err_t err = rd_kafka_metadata(bus->producer_, 0, nullptr, &md.md, kMetadataTimeoutMs);
  if (err)
    return Error::Unavailable(fmt::format("kafka: no answer from {}: {}", bus->settings_.bootstrap, ErrText(err)));
  return bus;
}

KafkaBus::~KafkaBus() {
  if (producer_) rd_kafka_flush(producer_, 10000);
  stopping_ = true;
  if (poller_.joinable()) poller_.join();
  if (producer_) rd_kafka_destroy(producer_);
}

Status KafkaBus::EnsureTopic(std::string_view topic, int* partitions) {
  HP_TRY(ValidateTopic(topic));
  {
    std::lock_guard lock(mu_);
    if (auto it = known_topics_.find(topic); it != known_topics_.end()) {
      *partitions = it->second;
      return OkStatus();
    }
  }
  std::string name(topic);
  auto count = TopicPartitionCount(producer_, name);
  if (!count.ok() && count.error().code == ErrorCode::kNotFound) {
    auto created = CreateTopic(producer_, name, settings_.partitions, settings_.replication_factor);
    if (!created.ok()) log_.Warn("kafka: topic creation failed", {{"topic", name}, {"error", created.error().message}});
  }
  // A new topic's leaders take a moment to be elected; ask again for a few seconds.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!count.ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    count = TopicPartitionCount(producer_, name);
  }
  if (!count.ok()) return Error::Unavailable(count.error().message);
  std::lock_guard lock(mu_);
  known_topics_[name] = *count;
  *partitions = *count;
  return OkStatus();
}

Result<int> KafkaBus::Partitions(std::string_view topic) {
  int n = 0;
  HP_TRY(EnsureTopic(topic, &n));
  return n;
}

Result<Position> KafkaBus::Publish(std::string_view topic, std::string_view key, std::string_view value) {
  std::vector<Message> one{{std::string(key), std::string(value)}};
  HP_ASSIGN(auto positions, PublishBatch(topic, one));
  return positions.front();
}

Result<std::vector<Position>> KafkaBus::PublishBatch(std::string_view topic, const std::vector<Message>& messages) {
  int partitions = 0;
  HP_TRY(EnsureTopic(topic, &partitions));
  if (messages.empty()) return std::vector<Position>{};
  std::string name(topic);
  DeliveryWait wait;
  wait.positions.resize(messages.size());
  wait.slots.reserve(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) wait.slots.push_back({&wait, i});
  rd_kafka_resp_err_t produce_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::size_t produced = 0;
  const Millis now = clock_.NowMillis();
  for (; produced < messages.size(); ++produced) {
    const Message& m = messages[produced];
    {
      std::lock_guard lock(wait.mu);
      ++wait.remaining;
    }
    rd_kafka_resp_err_t err;
    while (true) {
      err = rd_kafka_producev(producer_, RD_KAFKA_V_TOPIC(name.c_str()),
                              RD_KAFKA_V_KEY(m.key.empty() ? nullptr : m.key.data(), m.key.size()),
                              RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(now),
                              RD_KAFKA_V_OPAQUE(&wait.slots[produced]),
                              RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the poller drains delivery reports
    }
    if (err) {
      std::lock_guard lock(wait.mu);
      --wait.remaining;
      produce_error = err;
      break;
    }
  }
  // Every message handed to librdkafka reports back (delivered or failed by message.timeout.ms),
  // so this wait ends; the slots must outlive it.
  std::unique_lock lock(wait.mu);
  wait.cv.wait(lock, [&] { return wait.remaining == 0; });
  if (produce_error)
    return Error::Unavailable(fmt::format("kafka: cannot publish to {}: {}", name, ErrText(produce_error)));
  if (wait.first_error)
    return Error::Unavailable(fmt::format("kafka: publishing to {} failed: {}", name, ErrText(wait.first_error)));
  return std::move(wait.positions);
}

void KafkaBus::ReleaseGroup(const std::string& group) {
  std::lock_guard lock(mu_);
  active_groups_.erase(group);
}

// ---- consumer -----------------------------------------------------------------------------------

class KafkaBus::GroupConsumer final : public Consumer {
 public:
  GroupConsumer(KafkaBus& bus, std::string group, std::vector<std::string> topics)
      : bus_(bus), group_(std::move(group)), topics_(std::move(topics)) {}

  ~GroupConsumer() override {
    if (rk_) {
      (void)Flush();
      rd_kafka_consumer_close(rk_);
      rd_kafka_destroy(rk_);
    }
    bus_.ReleaseGroup(group_);
  }

  Status Init(const SubscribeOptions& options) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set_rebalance_cb(conf, &GroupConsumer::OnRebalance);
    rd_kafka_conf_set_opaque(conf, &context_);
    rd_kafka_conf_set_log_cb(conf, ForwardLog);
    HP_ASSIGN(rk_, NewKafkaHandle(bus_.settings_, false,
                                  {{"group.id", group_},
                                   {"enable.auto.commit", "false"},
                                   {"enable.auto.offset.store", "false"},
                                   {"auto.offset.reset", options.start_at_latest ? "latest" : "earliest"},
                                   {"enable.partition.eof", "false"}},
                                  conf));
    rd_kafka_poll_set_consumer(rk_);
    TopicPartitionList list(static_cast<int>(topics_.size()));
    for (const auto& t : topics_) rd_kafka_topic_partition_list_add(list.list, t.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(rk_, list.list))
      return Error::Unavailable(fmt::format("kafka: subscribe {}: {}", group_, ErrText(err)));
    return OkStatus();
  }

  Result<std::vector<Record>> Poll(std::size_t max, std::chrono::milliseconds wait) override {
    auto deadline = std::chrono::steady_clock::now() + wait;
    std::vector<Record> out;
    while (out.size() < max) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      int timeout = out.empty() ? static_cast<int>(std::max<std::int64_t>(0, left.count())) : 0;
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout);
      if (!m) {
        if (!out.empty() || std::chrono::steady_clock::now() >= deadline) break;
        continue;
      }
      if (m->err) {
        Status st = OnError(m);
        rd_kafka_message_destroy(m);
        HP_TRY(std::move(st));
        continue;
      }
      Record r = ToRecord(m);
      rd_kafka_message_destroy(m);
      {
        std::lock_guard lock(mu_);
        position_[{r.topic, r.partition}] = r.offset + 1;
      }
      out.push_back(std::move(r));
    }
    bool due;
    {
      std::lock_guard lock(mu_);
      due = !pending_.empty() && std::chrono::steady_clock::now() - last_commit_ >= kCommitEvery;
    }
    if (due) {
      // A commit refused during a rebalance is retried on the next flush (and before a revoke).
      if (auto st = Flush(); !st.ok()) Warn(st.error().message);
    }
    return out;
  }

  Status Commit(const std::string& topic, int partition, std::int64_t next_offset) override {
    if (std::find(topics_.begin(), topics_.end(), topic) == topics_.end())
      return Error::NotFound(fmt::format("not subscribed to {}/{}", topic, partition));
    bool move = false;
    {
      std::lock_guard lock(mu_);
      pending_[{topic, partition}] = next_offset;
      committed_[{topic, partition}] = next_offset;
      auto it = position_.find({topic, partition});
      move = it != position_.end() && it->second < next_offset;
    }
    if (move) HP_TRY(Seek(topic, partition, next_offset));
    return OkStatus();
  }

  Status Flush() override {
    std::map<std::pair<std::string, int>, std::int64_t> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(pending_);
      last_commit_ = std::chrono::steady_clock::now();
    }
    if (batch.empty()) return OkStatus();
    TopicPartitionList list(static_cast<int>(batch.size()));
    for (const auto& [tp, off] : batch)
      rd_kafka_topic_partition_list_add(list.list, tp.first.c_str(), tp.second)->offset = off;
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list.list, 0);
    if (err) {
      std::lock_guard lock(mu_);
      for (const auto& [tp, off] : batch) pending_.try_emplace(tp, off);  // retried on the next flush
      return Error::Unavailable(fmt::format("kafka: commit for group {}: {}", group_, ErrText(err)));
    }
    return OkStatus();
  }

  Status Seek(const std::string& topic, int partition, std::int64_t offset) override {
    if (std::find(topics_.begin(), topics_.end(), topic) == topics_.end())
      return Error::NotFound(fmt::format("not subscribed to {}/{}", topic, partition));
    std::lock_guard lock(mu_);
    position_.erase({topic, partition});
    if (!Assigned(topic, partition)) {
      pending_seek_[{topic, partition}] = offset;
      return OkStatus();
    }
    TopicPartitionList list(1);
    rd_kafka_topic_partition_list_add(list.list, topic.c_str(), partition)->offset = std::max<std::int64_t>(0, offset);
    return SeekList(list.list);
  }

  Status SeekToTime(Millis at) override {
    std::lock_guard lock(mu_);
    pending_time_ = at;
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (auto err = rd_kafka_assignment(rk_, &assigned)) return Error::Unavailable(ErrText(err));
    TopicPartitionList list(assigned);
    if (list.list->cnt == 0) return OkStatus();  // applied when partitions are assigned
    HP_TRY(OffsetsForTime(list.list, at));
    for (int i = 0; i < list.list->cnt; ++i) position_.erase({list.list->elems[i].topic, list.list->elems[i].partition});
    return SeekList(list.list);
  }

  Result<std::int64_t> Lag() override {
    TopicPartitionList list(16);
    for (const auto& t : topics_) {
      int n = 0;
      HP_TRY(bus_.EnsureTopic(t, &n));
      for (int p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(list.list, t.c_str(), p);
    }
    if (auto err = rd_kafka_committed(rk_, list.list, kMetadataTimeoutMs))
      return Error::Unavailable(fmt::format("kafka: committed offsets of {}: {}", group_, ErrText(err)));
    std::int64_t lag = 0;
    for (int i = 0; i < list.list->cnt; ++i) {
      auto& e = list.list->elems[i];
      int64_t low = 0, high = 0;
      if (auto err = rd_kafka_query_watermark_offsets(rk_, e.topic, e.partition, &low, &high, kMetadataTimeoutMs))
        return Error::Unavailable(fmt::format("kafka: end offsets of {}: {}", e.topic, ErrText(err)));
      std::int64_t committed = e.offset;
      {
        std::lock_guard lock(mu_);
        if (auto it = committed_.find({e.topic, e.partition}); it != committed_.end()) committed = it->second;
      }
      lag += std::max<std::int64_t>(0, high - std::max<std::int64_t>(committed, low));
    }
    return lag;
  }

 private:
  using Key = std::pair<std::string, int>;

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque) {
    static_cast<GroupConsumer*>(static_cast<KafkaHandleContext*>(opaque)->consumer)->Rebalance(rk, err, parts);
  }

  void Rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      {
        std::lock_guard lock(mu_);
        if (pending_time_) {
          if (auto st = OffsetsForTime(parts, *pending_time_); !st.ok())
            bus_.log_.Warn("kafka: replay by time failed", {{"group", group_}, {"error", st.error().message}});
          pending_time_.reset();
        }
        for (int i = 0; i < parts->cnt; ++i) {
          auto& e = parts->elems[i];
          if (auto it = pending_seek_.find({e.topic, e.partition}); it != pending_seek_.end()) {
            e.offset = std::max<std::int64_t>(0, it->second);
            pending_seek_.erase(it);
          }
          assigned_.insert({e.topic, e.partition});
        }
      }
      if (cooperative) {
        if (auto* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, parts);
      }
      return;
    }
    // Revoked (or an error): commit what is done before another member takes the partitions.
    (void)Flush();
    {
      std::lock_guard lock(mu_);
      for (int i = 0; i < parts->cnt; ++i) {
        assigned_.erase({parts->elems[i].topic, parts->elems[i].partition});
        position_.erase({parts->elems[i].topic, parts->elems[i].partition});
      }
      if (!cooperative) assigned_.clear();
    }
    if (cooperative) {
      if (auto* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

  bool Assigned(const std::string& topic, int partition) const { return assigned_.contains({topic, partition}); }

  // Replaces each element's offset by the first offset at or after `at` (the end if none).
  Status OffsetsForTime(rd_kafka_topic_partition_list_t* list, Millis at) {
    for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = at;
    if (auto err = rd_kafka_offsets_for_times(rk_, list, kMetadataTimeoutMs))
      return Error::Unavailable(fmt::format("kafka: offsets for time {}: {}", at, ErrText(err)));
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_END;
    }
    return OkStatus();
  }

  Status SeekList(rd_kafka_topic_partition_list_t* list) {
    if (rd_kafka_error_t* e = rd_kafka_seek_partitions(rk_, list, kMetadataTimeoutMs)) {
      std::string msg = rd_kafka_error_string(e);
      rd_kafka_error_destroy(e);
      return Error::Unavailable("kafka: seek: " + msg);
    }
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err)
        return Error::Unavailable(fmt::format("kafka: seek {}/{}: {}", list->elems[i].topic,
                                              list->elems[i].partition, ErrText(list->elems[i].err)));
    }
    return OkStatus();
  }

  Status OnError(const rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return OkStatus();
    char reason[512];
    if (rd_kafka_fatal_error(rk_, reason, sizeof reason))
      return Error::Unavailable(fmt::format("kafka: consumer {} failed: {}", group_, reason));
    Warn(rd_kafka_message_errstr(m));
    return OkStatus();
  }

  // Logged once per distinct error per 30 s (a broker outage would otherwise flood the log).
  void Warn(const std::string& text) {
    std::lock_guard lock(warn_mu_);
    auto now = std::chrono::steady_clock::now();
    if (text != last_error_ || now - last_error_at_ > std::chrono::seconds(30)) {
      bus_.log_.Warn("kafka: consumer error", {{"group", group_}, {"error", text}});
      last_error_ = text;
      last_error_at_ = now;
    }
  }

  KafkaBus& bus_;
  std::string group_;
  std::vector<std::string> topics_;
  KafkaHandleContext context_{&bus_.log_, this};
  rd_kafka_t* rk_ = nullptr;
  std::mutex mu_;
  std::set<Key> assigned_;                     // guarded by mu_
  std::map<Key, std::int64_t> pending_;        // guarded by mu_: commits not yet sent
  std::map<Key, std::int64_t> committed_;      // guarded by mu_: latest Commit per partition
  std::map<Key, std::int64_t> position_;       // guarded by mu_: next offset Poll will return
  std::map<Key, std::int64_t> pending_seek_;   // guarded by mu_: Seek before assignment
  std::optional<Millis> pending_time_;         // guarded by mu_: SeekToTime before assignment
  std::chrono::steady_clock::time_point last_commit_{};  // guarded by mu_
  std::mutex warn_mu_;
  std::string last_error_;                                  // guarded by warn_mu_
  std::chrono::steady_clock::time_point last_error_at_{};  // guarded by warn_mu_
};

Result<std::unique_ptr<Consumer>> KafkaBus::Subscribe(const std::string& group, const std::vector<std::string>& topics,
                                                      const SubscribeOptions& options) {
  HP_TRY(ValidateTopic(group));
  if (topics.empty()) return Error::Invalid("subscribe needs at least one topic");
  for (const auto& t : topics) {
    int n = 0;
    HP_TRY(EnsureTopic(t, &n));
  }
  {
    std::lock_guard lock(mu_);
    if (!active_groups_.insert(group).second)
      return Error::Conflict(fmt::format("consumer group '{}' already has a consumer in this process", group));
  }
  auto consumer = std::make_unique<GroupConsumer>(*this, group, topics);
  HP_TRY(consumer->Init(options));
  return std::unique_ptr<Consumer>(std::move(consumer));
}

// ---- tail ---------------------------------------------------------------------------------------

Status TailKafka(const KafkaSettings& settings, const std::string& topic, bool from_beginning, bool follow,
                 const std::function<bool(const Record&)>& emit) {
  HP_ASSIGN(rd_kafka_t * rk, NewKafkaHandle(settings, false,
                                            {// assign() needs a group id; nothing is ever committed to it
                                             {"group.id", fmt::format("hotpath-tail-{}", ::getpid())},
                                             {"enable.auto.commit", "false"},
                                             {"enable.partition.eof", "true"}}));
  struct Closer {
    rd_kafka_t* rk;
    ~Closer() {
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    }
  } closer{rk};
  rd_kafka_poll_set_consumer(rk);
  auto partitions = TopicPartitionCount(rk, topic);
  while (!partitions.ok()) {
    if (partitions.error().code != ErrorCode::kNotFound) return std::move(partitions).error();
    if (!follow) return OkStatus();  // no such topic: nothing to print
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    partitions = TopicPartitionCount(rk, topic);
    from_beginning = true;  // it did not exist when we started: all of it is new
  }
  // The end of each partition now: without --no-follow... with --no-follow we stop there.
  std::vector<std::int64_t> stop(*partitions);
  TopicPartitionList list(*partitions);
  for (int p = 0; p < *partitions; ++p) {
    int64_t low = 0, high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, kMetadataTimeoutMs))
      return Error::Unavailable(fmt::format("kafka: end offsets of {}/{}: {}", topic, p, ErrText(err)));
    stop[p] = high;
    rd_kafka_topic_partition_list_add(list.list, topic.c_str(), p)->offset = from_beginning ? low : high;
  }
  if (auto err = rd_kafka_assign(rk, list.list))
    return Error::Unavailable(fmt::format("kafka: assign {}: {}", topic, ErrText(err)));
  std::vector<std::int64_t> next(*partitions);
  for (int p = 0; p < *partitions; ++p) next[p] = list.list->elems[p].offset;
  auto done = [&] {
    for (int p = 0; p < *partitions; ++p) {
      if (next[p] < stop[p]) return false;
    }
    return true;
  };
  while (follow || !done()) {
    std::vector<Record> batch;
    for (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200); m; m = rd_kafka_consumer_poll(rk, 0)) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (m->partition >= 0 && m->partition < *partitions) next[m->partition] = std::max(next[m->partition], m->offset);
      } else if (m->err) {
        char reason[512];
        if (rd_kafka_fatal_error(rk, reason, sizeof reason)) {
          rd_kafka_message_destroy(m);
          return Error::Unavailable(fmt::format("kafka: {}", reason));
        }
      } else {
        if (m->partition >= 0 && m->partition < *partitions) next[m->partition] = m->offset + 1;
        batch.push_back(ToRecord(m));
      }
      rd_kafka_message_destroy(m);
      if (batch.size() >= 10000) break;
    }
    std::stable_sort(batch.begin(), batch.end(), [](const Record& a, const Record& b) { return a.timestamp < b.timestamp; });
    for (const auto& r : batch) {
      if (!emit(r)) return OkStatus();
    }
  }
  return OkStatus();
}

}  // namespace hotpath::events
