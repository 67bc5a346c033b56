#include "events/embedded_bus.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "events/partition_reader.h"

namespace hotpath::events {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxBatchRecords = 65536;
constexpr Millis kRetentionEveryMs = 60 * 1000;
constexpr auto kCommitFlushEvery = std::chrono::milliseconds(100);

std::atomic<std::uint64_t> round_robin{0};

std::string ErrnoText() { return std::strerror(errno); }

Status EnsureDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error::Unavailable(fmt::format("cannot create {}: {}", dir, ec.message()));
  return OkStatus();
}

int CountPartitionDirs(const std::string& dir) {
  int n = 0;
  while (fs::is_directory(dir + "/" + std::to_string(n))) ++n;
  return n;
}

// fdatasyncs every touched partition, the others in parallel with the first: the file system
// overlaps their journal commits, so a batch spread over 4 partitions costs about one sync, not 4.
// Each partition's state is touched by its own task only; all are joined before anyone is acked.
Status SyncAll(const std::vector<PartitionLog*>& touched) {
  if (touched.size() == 1) return touched.front()->Sync();
  std::vector<std::future<Status>> others;
  others.reserve(touched.size() - 1);
  for (std::size_t i = 1; i < touched.size(); ++i)
    others.push_back(std::async(std::launch::async, [log = touched[i]] { return log->Sync(); }));
  Status st = touched.front()->Sync();
  for (auto& f : others) {
    Status other = f.get();
    if (st.ok() && !other.ok()) st = std::move(other);
  }
  return st;
}

}  // namespace

Status ValidateTopic(std::string_view topic) {
  bool ok = !topic.empty() && topic.size() <= 200 && topic != "." && topic != ".." &&
            std::all_of(topic.begin(), topic.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                     c == '_' || c == '-';
            });
  if (!ok)
    return Error::Invalid(fmt::format("invalid topic or group name '{}': use 1 to 200 of [A-Za-z0-9._-]", topic),
                          {{"topic", "must be 1 to 200 of [A-Za-z0-9._-]"}});
  return OkStatus();
}

std::string DeadLetterTopic(std::string_view function_name) { return "dlq." + std::string(function_name); }

int PartitionForKey(std::string_view key, int partitions) {
  if (partitions <= 1) return 0;
  if (key.empty()) return static_cast<int>(round_robin++ % static_cast<std::uint64_t>(partitions));
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<int>(h % static_cast<std::uint64_t>(partitions));
}

std::vector<std::string> TopicPartitionDirs(const std::string& root, std::string_view topic) {
  std::string dir = root + "/topics/" + std::string(topic);
  std::vector<std::string> out;
  for (int p = 0; fs::is_directory(dir + "/" + std::to_string(p)); ++p) out.push_back(dir + "/" + std::to_string(p));
  return out;
}

// ---- consumer -----------------------------------------------------------------------------------

class EmbeddedBus::GroupConsumer final : public Consumer {
 public:
  struct Part {
    Topic* topic = nullptr;
    int partition = 0;
    std::unique_ptr<PartitionReader> reader;
    std::int64_t committed = -1;  // -1: never committed
  };

  GroupConsumer(EmbeddedBus& bus, std::string group) : bus_(bus), group_(std::move(group)) {}
  ~GroupConsumer() override {
    (void)Flush();
    bus_.ReleaseGroup(group_);
  }

  Status Init(const std::vector<Topic*>& topics, const SubscribeOptions& options) {
    HP_TRY(LoadOffsets());
    for (Topic* t : topics) {
      for (int p = 0; p < static_cast<int>(t->partitions.size()); ++p) {
        Part part;
        part.topic = t;
        part.partition = p;
        part.reader = std::make_unique<PartitionReader>(t->partitions[p]->dir());
        auto it = saved_.find({t->name, p});
        std::int64_t start = options.start_at_latest ? t->partitions[p]->durable_end() : 0;
        if (it != saved_.end()) {
          part.committed = it->second;
          start = it->second;
        }
        HP_TRY(part.reader->SeekOffset(start));
        parts_.push_back(std::move(part));
      }
    }
    return OkStatus();
  }

  Result<std::vector<Record>> Poll(std::size_t max, std::chrono::milliseconds wait) override {
    auto deadline = std::chrono::steady_clock::now() + wait;
    std::vector<Record> out;
    while (true) {
      std::uint64_t generation;
      {
        std::lock_guard lock(bus_.data_mu_);
        generation = bus_.generation_;
      }
      {
        std::lock_guard lock(mu_);
        HP_TRY(ReadSome(max, out));
        if (dirty_ && std::chrono::steady_clock::now() - last_flush_ >= kCommitFlushEvery) HP_TRY(FlushLocked());
      }
      auto now = std::chrono::steady_clock::now();
      if (!out.empty() || now >= deadline) return out;
      bus_.WaitForData(generation, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    }
  }

  Status Commit(const std::string& topic, int partition, std::int64_t next_offset) override {
    std::lock_guard lock(mu_);
    Part* part = Find(topic, partition);
    if (!part) return Error::NotFound(fmt::format("not subscribed to {}/{}", topic, partition));
    part->committed = next_offset;
    saved_[{topic, partition}] = next_offset;
    dirty_ = true;
    if (part->reader->position() < next_offset) HP_TRY(part->reader->SeekOffset(next_offset));
    return OkStatus();
  }

  Status Flush() override {
    std::lock_guard lock(mu_);
    return FlushLocked();
  }

  Status Seek(const std::string& topic, int partition, std::int64_t offset) override {
    std::lock_guard lock(mu_);
    Part* part = Find(topic, partition);
    if (!part) return Error::NotFound(fmt::format("not subscribed to {}/{}", topic, partition));
    return part->reader->SeekOffset(offset);
  }

  Status SeekToTime(Millis at) override {
    std::lock_guard lock(mu_);
    for (auto& part : parts_) HP_TRY(part.reader->SeekTime(at));
    return OkStatus();
  }

  Result<std::int64_t> Lag() override {
    std::lock_guard lock(mu_);
    std::int64_t lag = 0;
    for (const auto& part : parts_) {
      const auto& log = *part.topic->partitions[part.partition];
      std::int64_t from = std::max(part.committed, log.start_offset());
      lag += std::max<std::int64_t>(0, log.durable_end() - from);
    }
    return lag;
  }

 private:
  Part* Find(const std::string& topic, int partition) {
    for (auto& part : parts_) {
      if (part.partition == partition && part.topic->name == topic) return &part;
    }
    return nullptr;
  }

  Status ReadSome(std::size_t max, std::vector<Record>& out) {  // requires mu_
    for (std::size_t i = 0; i < parts_.size() && out.size() < max; ++i) {
      Part& part = parts_[(next_part_ + i) % parts_.size()];
      std::int64_t end = part.topic->partitions[part.partition]->durable_end();
      while (out.size() < max) {
        HP_ASSIGN(auto rec, part.reader->Next(end));
        if (!rec) break;
        out.push_back(Record{part.topic->name, part.partition, rec->offset, rec->timestamp, std::move(rec->key),
                             std::move(rec->value)});
      }
    }
    if (!parts_.empty()) next_part_ = (next_part_ + 1) % parts_.size();
    return OkStatus();
  }

  std::string Path() const { return bus_.root_ + "/groups/" + group_ + ".offsets"; }

  Status LoadOffsets() {
    std::ifstream in(Path());
    if (!in) return OkStatus();
    std::string topic;
    int partition = 0;
    std::int64_t offset = 0;
    while (in >> topic >> partition >> offset) saved_[{topic, partition}] = offset;
    return OkStatus();
  }

  Status FlushLocked() {  // requires mu_
    if (!dirty_) return OkStatus();
    std::ostringstream text;
    for (const auto& [key, offset] : saved_) text << key.first << ' ' << key.second << ' ' << offset << '\n';
    std::string body = text.str();
    std::string tmp = Path() + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Error::Unavailable(fmt::format("cannot write {}: {}", tmp, ErrnoText()));
    bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) && ::fdatasync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), Path().c_str()) != 0)
      return Error::Unavailable(fmt::format("cannot write {}: {}", Path(), ErrnoText()));
    HP_TRY(SyncDirectory(bus_.root_ + "/groups"));
    dirty_ = false;
    last_flush_ = std::chrono::steady_clock::now();
    return OkStatus();
  }

  EmbeddedBus& bus_;
  std::string group_;
  std::mutex mu_;
  std::vector<Part> parts_;                                      // guarded by mu_
  std::map<std::pair<std::string, int>, std::int64_t> saved_;    // guarded by mu_
  std::size_t next_part_ = 0;                                    // guarded by mu_
  bool dirty_ = false;                                           // guarded by mu_
  std::chrono::steady_clock::time_point last_flush_{};           // guarded by mu_
};

// ---- bus ----------------------------------------------------------------------------------------

Result<std::unique_ptr<EmbeddedBus>> EmbeddedBus::Open(const std::string& root, const Clock& clock,
                                                       const Logger& log, LogOptions options) {
  std::unique_ptr<EmbeddedBus> bus(new EmbeddedBus(root, clock, log, options));
  HP_TRY(EnsureDir(root + "/topics"));
  HP_TRY(EnsureDir(root + "/groups"));
  std::string lock_path = root + "/LOCK";
  bus->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (bus->lock_fd_ < 0) return Error::Unavailable(fmt::format("cannot open {}: {}", lock_path, ErrnoText()));
  if (::flock(bus->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Error::Unavailable(
        fmt::format("the event log in {} is in use by another hotpath process (stop it first)", root));
  }
  bus->writer_ = std::thread([b = bus.get()] { b->WriterLoop(); });
  return bus;
}

EmbeddedBus::~EmbeddedBus() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<EmbeddedBus::Topic*> EmbeddedBus::GetTopic(std::string_view name) {
  HP_TRY(ValidateTopic(name));
  std::lock_guard lock(topics_mu_);
  if (auto it = topics_.find(name); it != topics_.end()) return it->second.get();
  std::string dir = TopicDir(name);
  int count = CountPartitionDirs(dir);
  if (count == 0) {
    // Created under a temporary name and renamed, so a crash never leaves half a topic.
    std::string tmp = root_ + "/topics/.creating." + std::string(name);
    std::error_code ec;
    fs::remove_all(tmp, ec);
    for (int p = 0; p < options_.default_partitions; ++p) HP_TRY(EnsureDir(tmp + "/" + std::to_string(p)));
    for (int p = 0; p < options_.default_partitions; ++p) HP_TRY(SyncDirectory(tmp + "/" + std::to_string(p)));
    HP_TRY(SyncDirectory(tmp));
    fs::rename(tmp, dir, ec);
    if (ec) return Error::Unavailable(fmt::format("cannot create topic {}: {}", dir, ec.message()));
    HP_TRY(SyncDirectory(root_ + "/topics"));
    count = options_.default_partitions;
  }
  auto topic = std::make_unique<Topic>();
  topic->name = std::string(name);
  for (int p = 0; p < count; ++p) {
    HP_ASSIGN(auto part, PartitionLog::Open(dir + "/" + std::to_string(p), options_, &log_));
    topic->partitions.push_back(std::move(part));
  }
  Topic* raw = topic.get();
  topics_.emplace(std::string(name), std::move(topic));
  return raw;
}

Result<int> EmbeddedBus::Partitions(std::string_view topic) {
  HP_ASSIGN(Topic * t, GetTopic(topic));
  return static_cast<int>(t->partitions.size());
}

Result<Position> EmbeddedBus::Publish(std::string_view topic, std::string_view key, std::string_view value) {
  std::vector<Message> one{{std::string(key), std::string(value)}};
  HP_ASSIGN(auto positions, PublishBatch(topic, one));
  return positions.front();
}

Result<std::vector<Position>> EmbeddedBus::PublishBatch(std::string_view topic,
                                                        const std::vector<Message>& messages) {
  HP_ASSIGN(Topic * t, GetTopic(topic));
  if (messages.empty()) return std::vector<Position>{};
  for (const auto& m : messages) {
    if (m.key.size() + m.value.size() + logfmt::kFixedBodyBytes > logfmt::kMaxBodyBytes)
      return Error::Invalid(fmt::format("record too large for topic {} (limit {} bytes)", topic, logfmt::kMaxBodyBytes));
  }
  Pending pending;
  pending.topic = t;
  pending.messages = &messages;
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return Error::Unavailable("the event bus is shutting down");
    queue_.push_back(&pending);
  }
  queue_cv_.notify_one();
  std::unique_lock lock(pending.mu);
  pending.cv.wait(lock, [&] { return pending.done; });
  if (!pending.result.ok()) return pending.result.error();
  return std::move(pending.positions);
}

void EmbeddedBus::WriterLoop() {
  std::vector<Pending*> batch;
  while (true) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      std::size_t records = 0;
      while (!queue_.empty() && records < kMaxBatchRecords) {
        records += queue_.front()->messages->size();
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    RunBatch(batch);
    batch.clear();
  }
}

void EmbeddedBus::RunBatch(std::vector<Pending*>& batch) {
  Millis now = clock_.NowMillis();
  std::vector<PartitionLog*> touched;
  for (Pending* p : batch) {
    int n = static_cast<int>(p->topic->partitions.size());
    p->positions.reserve(p->messages->size());
    for (const auto& m : *p->messages) {
      int partition = PartitionForKey(m.key, n);
      PartitionLog* log = p->topic->partitions[partition].get();
      if (!log->HasStaged()) touched.push_back(log);
      p->positions.push_back({partition, log->Stage(m.key, m.value, now)});
    }
  }
  Status st = OkStatus();
  for (PartitionLog* log : touched) {
    if (st.ok()) st = log->WriteStaged();
  }
  if (st.ok()) st = SyncAll(touched);
  if (!st.ok()) {
    log_.Error("event log: append failed", {{"error", st.error().message}});
    for (PartitionLog* log : touched) log->Rollback();
  }
  {
    std::lock_guard lock(data_mu_);
    ++generation_;
  }
  data_cv_.notify_all();
  for (Pending* p : batch) {
    std::lock_guard lock(p->mu);
    if (!st.ok()) p->result = st;
    p->done = true;
    p->cv.notify_one();
  }
  if (now - last_retention_ >= kRetentionEveryMs) {
    last_retention_ = now;
    EnforceRetentionForTest();
  }
}

void EmbeddedBus::EnforceRetentionForTest() {
  std::lock_guard lock(topics_mu_);
  Millis now = clock_.NowMillis();
  for (auto& [name, topic] : topics_) {
    for (auto& part : topic->partitions) part->EnforceRetention(now);
  }
}

void EmbeddedBus::WaitForData(std::uint64_t seen_generation, std::chrono::milliseconds wait) {
  std::unique_lock lock(data_mu_);
  data_cv_.wait_for(lock, wait, [&] { return generation_ != seen_generation; });
}

Result<std::unique_ptr<Consumer>> EmbeddedBus::Subscribe(const std::string& group,
                                                         const std::vector<std::string>& topics,
                                                         const SubscribeOptions& options) {
  HP_TRY(ValidateTopic(group));
  if (topics.empty()) return Error::Invalid("subscribe needs at least one topic");
  std::vector<Topic*> resolved;
  for (const auto& t : topics) {
    HP_ASSIGN(Topic * topic, GetTopic(t));
    resolved.push_back(topic);
  }
  {
    std::lock_guard lock(topics_mu_);
    if (!active_groups_.insert(group).second)
      return Error::Conflict(fmt::format("consumer group '{}' already has a consumer in this process", group));
  }
  auto consumer = std::make_unique<GroupConsumer>(*this, group);
  HP_TRY(consumer->Init(resolved, options));
  return std::unique_ptr<Consumer>(std::move(consumer));
}

void EmbeddedBus::ReleaseGroup(const std::string& group) {
  std::lock_guard lock(topics_mu_);
  active_groups_.erase(group);
}

}  // namespace hotpath::events
