#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "events/bus_factory.h"
#include "events/cloud_event.h"
#include "events/embedded_bus.h"
#include "events/log_format.h"
#include "events/partition_reader.h"

namespace hotpath::events {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hotpath-events-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Logger& QuietLog() {
  static Logger log(LogLevel::kError);
  return log;
}

std::unique_ptr<EmbeddedBus> OpenBus(const std::string& root, const Clock& clock, LogOptions opts = {}) {
  auto bus = EmbeddedBus::Open(root, clock, QuietLog(), opts);
  EXPECT_TRUE(bus.ok()) << (bus.ok() ? "" : bus.error().message);
  return std::move(bus).value();
}

std::vector<Record> Drain(Consumer& c, std::size_t want, std::chrono::milliseconds wait = 2000ms) {
  std::vector<Record> out;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    auto got = c.Poll(1000, 50ms);
    EXPECT_TRUE(got.ok()) << (got.ok() ? "" : got.error().message);
    if (!got.ok()) break;
    for (auto& r : *got) out.push_back(std::move(r));
  }
  return out;
}

std::string LastSegmentPath(const std::string& root, const std::string& topic, int partition) {
  std::string dir = root + "/topics/" + topic + "/" + std::to_string(partition);
  auto segs = logfmt::ListSegments(dir);
  return dir + "/" + logfmt::SegmentName(segs.back());
}

TEST(LogFormat, Crc32cMatchesTheStandardAndThePortableTable) {
  const std::string check = "123456789";
  EXPECT_EQ(logfmt::Crc32c(check.data(), check.size()), 0xE3069283u);  // the CRC-32C check value
  EXPECT_EQ(logfmt::Crc32cPortable(check.data(), check.size()), 0xE3069283u);
  std::string data;
  std::uint32_t x = 12345;
  for (int i = 0; i < 1000; ++i) {
    x = x * 1103515245u + 12345u;
    data.push_back(static_cast<char>(x >> 16));
  }
  for (std::size_t start : {0u, 1u, 3u, 7u}) {
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 63u, 500u, 993u}) {
      EXPECT_EQ(logfmt::Crc32c(data.data() + start, n), logfmt::Crc32cPortable(data.data() + start, n)) << start << " " << n;
    }
  }
}

TEST(LogFormat, RoundTripsAndDetectsDamage) {
  std::string buf;
  logfmt::Encode(buf, 42, 1700000000000, "ord_1", "{\"a\":1}");
  logfmt::Decoded d;
  ASSERT_EQ(logfmt::Decode(buf, &d), logfmt::DecodeStatus::kOk);
  EXPECT_EQ(d.offset, 42);
  EXPECT_EQ(d.timestamp, 1700000000000);
  EXPECT_EQ(d.key, "ord_1");
  EXPECT_EQ(d.value, "{\"a\":1}");
  EXPECT_EQ(d.size, buf.size());
  EXPECT_EQ(logfmt::Decode(std::string_view(buf).substr(0, buf.size() - 1), &d), logfmt::DecodeStatus::kIncomplete);
  std::string flipped = buf;
  flipped[buf.size() - 2] ^= 0x01;
  EXPECT_EQ(logfmt::Decode(flipped, &d), logfmt::DecodeStatus::kCorrupt);
}

TEST(EmbeddedBus, SameKeyKeepsOrderAcrossPartitions) {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  auto bus = OpenBus(dir.path(), clock);
  for (int i = 0; i < 50; ++i) {
    auto pos = bus->Publish("orders", "ord_" + std::to_string(i % 5), std::to_string(i));
    ASSERT_TRUE(pos.ok());
    EXPECT_EQ(pos->partition, PartitionForKey("ord_" + std::to_string(i % 5), 4));
  }
  auto c = bus->Subscribe("g1", {"orders"});
  ASSERT_TRUE(c.ok());
  auto records = Drain(**c, 50);
  ASSERT_EQ(records.size(), 50u);
  std::map<std::string, int> last;
  for (const auto& r : records) {
    int v = std::stoi(r.value);
    if (last.contains(r.key)) {
      EXPECT_LT(last[r.key], v) << r.key;
    }
    last[r.key] = v;
  }
  EXPECT_EQ(last.size(), 5u);
  auto lag = (*c)->Lag();
  ASSERT_TRUE(lag.ok());
  EXPECT_EQ(*lag, 50);
}

TEST(EmbeddedBus, CommittedOffsetsSurviveReopen) {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  {
    auto bus = OpenBus(dir.path(), clock);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(bus->Publish("t", "k", std::to_string(i)).ok());
    auto c = bus->Subscribe("g", {"t"});
    ASSERT_TRUE(c.ok());
    auto records = Drain(**c, 20);
    ASSERT_EQ(records.size(), 20u);
    ASSERT_TRUE((*c)->Commit("t", records[9].partition, records[9].offset + 1).ok());
    ASSERT_TRUE((*c)->Flush().ok());
    EXPECT_EQ(*(*c)->Lag(), 10);
    // The group is taken while this consumer lives.
    auto again = bus->Subscribe("g", {"t"});
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  }
  auto bus = OpenBus(dir.path(), clock);
  auto c = bus->Subscribe("g", {"t"});
  ASSERT_TRUE(c.ok());
  auto records = Drain(**c, 10);
  ASSERT_EQ(records.size(), 10u);
  EXPECT_EQ(records.front().value, "10");
  EXPECT_EQ(records.back().value, "19");
  // A new record gets the next offset after the reopened log's end.
  auto pos = bus->Publish("t", "k", "20");
  ASSERT_TRUE(pos.ok());
  EXPECT_EQ(pos->offset, 20);
}

TEST(EmbeddedBus, TornTailIsTruncatedOnRecovery) {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  {
    auto bus = OpenBus(dir.path(), clock);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(bus->Publish("t", "k", "v" + std::to_string(i)).ok());
  }
  int partition = PartitionForKey("k", 4);
  std::string seg = LastSegmentPath(dir.path(), "t", partition);
  auto before = fs::file_size(seg);
  {
    std::string rec;
    logfmt::Encode(rec, 10, 1'700'000'000'000, "k", std::string(300, 'x'));
    std::ofstream out(seg, std::ios::app | std::ios::binary);
    out.write(rec.data(), static_cast<std::streamsize>(rec.size() / 2));  // a write cut short
  }
  auto bus = OpenBus(dir.path(), clock);
  ASSERT_TRUE(bus->Partitions("t").ok());  // opening the topic recovers it
  EXPECT_EQ(fs::file_size(seg), before);
  auto pos = bus->Publish("t", "k", "v10");
  ASSERT_TRUE(pos.ok());
  EXPECT_EQ(pos->offset, 10);
  auto c = bus->Subscribe("g", {"t"});
  ASSERT_TRUE(c.ok());
  auto records = Drain(**c, 11);
  ASSERT_EQ(records.size(), 11u);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(records[i].value, "v" + std::to_string(i));
}

TEST(EmbeddedBus, CorruptRecordWithValidRecordsAfterItRefusesToOpen) {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  {
    auto bus = OpenBus(dir.path(), clock);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(bus->Publish("t", "k", "value-" + std::to_string(i)).ok());
  }
  std::string seg = LastSegmentPath(dir.path(), "t", PartitionForKey("k", 4));
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(seg) / 2));
    char c = 0;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(fs::file_size(seg) / 2));
    c ^= 0x40;
    f.write(&c, 1);
  }
  // Reading sees the damage as an error, not as a shorter log.
  PartitionReader reader(fs::path(seg).parent_path().string());
  ASSERT_TRUE(reader.SeekOffset(0).ok());
  bool failed = false;
  for (int i = 0; i < 11 && !failed; ++i) {
    auto r = reader.Next(-1);
    if (!r.ok()) {
      failed = true;
      EXPECT_NE(r.error().message.find("corrupt"), std::string::npos);
    }
  }
  EXPECT_TRUE(failed);
  auto bus = EmbeddedBus::Open(dir.path(), clock, QuietLog());
  ASSERT_TRUE(bus.ok());
  auto pub = (*bus)->Publish("t", "k", "x");  // opening the topic runs recovery
  ASSERT_FALSE(pub.ok());
  EXPECT_NE(pub.error().message.find("corrupt"), std::string::npos) << pub.error().message;
}

TEST(EmbeddedBus, KillNineLosesNoAcknowledgedRecord) {
  TempDir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    SystemClock clock;
    auto bus = EmbeddedBus::Open(dir.path(), clock, QuietLog());
    if (!bus.ok()) _exit(3);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          std::string v = std::to_string(t) + ":" + std::to_string(i);
          if (!(*bus)->Publish("t", "key" + std::to_string(t), v).ok()) _exit(4);
          std::string line = v + "\n";
          if (write(fds[1], line.data(), line.size()) < 0) _exit(5);
        }
      });
    }
    for (auto& th : threads) th.join();
    _exit(0);
  }
  close(fds[1]);
  std::string acked;
  char buf[4096];
  while (acked.size() < 1500) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    ASSERT_GT(n, 0) << "child died early";
    acked.append(buf, static_cast<std::size_t>(n));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  while (true) {  // lines written before the kill
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    acked.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  std::set<std::string> want;
  std::size_t start = 0;
  for (std::size_t nl; (nl = acked.find('\n', start)) != std::string::npos; start = nl + 1)
    want.insert(acked.substr(start, nl - start));
  ASSERT_GT(want.size(), 200u);

  SystemClock clock;
  auto bus = OpenBus(dir.path(), clock);
  auto c = bus->Subscribe("check", {"t"});
  ASSERT_TRUE(c.ok());
  std::set<std::string> got;
  std::map<std::string, int> last;
  while (true) {
    auto records = (*c)->Poll(10000, 100ms);
    ASSERT_TRUE(records.ok()) << records.error().message;
    if (records->empty()) break;
    for (const auto& r : *records) {
      got.insert(r.value);
      auto colon = r.value.find(':');
      int seq = std::stoi(r.value.substr(colon + 1));
      std::string writer = r.value.substr(0, colon);
      if (last.contains(writer)) {
        EXPECT_EQ(last[writer] + 1, seq) << "gap or reorder for " << writer;
      }
      last[writer] = seq;
    }
  }
  for (const auto& v : want) ASSERT_TRUE(got.contains(v)) << "acknowledged record lost: " << v;
}

TEST(EmbeddedBus, SegmentsRollAndRetentionDropsOldOnes) {
  TempDir dir;
  ManualClock clock(SystemClock().NowMillis());  // time retention compares with file times
  LogOptions opts;
  opts.segment_bytes = 1024;
  opts.retention_bytes = 4096;
  opts.default_partitions = 1;
  auto bus = OpenBus(dir.path(), clock, opts);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(bus->Publish("t", "k", std::string(50, 'a' + i % 26)).ok());
  std::string pdir = dir.path() + "/topics/t/0";
  EXPECT_GT(logfmt::ListSegments(pdir).size(), 5u);
  bus->EnforceRetentionForTest();
  auto segs = logfmt::ListSegments(pdir);
  std::uint64_t total = 0;
  for (auto b : segs) total += fs::file_size(pdir + "/" + logfmt::SegmentName(b));
  EXPECT_LE(total, 4096u + 1200u);
  auto c = bus->Subscribe("g", {"t"});
  ASSERT_TRUE(c.ok());
  auto records = Drain(**c, 200, 500ms);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.front().offset, segs.front());
  EXPECT_EQ(records.back().offset, 199);
  EXPECT_EQ(*(*c)->Lag(), 200 - segs.front());

  // Time retention: everything but the active segment is older than the limit.
  clock.Advance(std::chrono::hours(24 * 8));
  bus->EnforceRetentionForTest();
  EXPECT_EQ(logfmt::ListSegments(pdir).size(), 1u);
}

TEST(EmbeddedBus, ReplayFromTimeAndOffset) {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  LogOptions opts;
  opts.default_partitions = 2;
  auto bus = OpenBus(dir.path(), clock, opts);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(bus->Publish("t", "k" + std::to_string(i % 2), std::to_string(i)).ok());
    clock.Advance(1000ms);
  }
  auto c = bus->Subscribe("g", {"t"});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(Drain(**c, 10).size(), 10u);
  ASSERT_TRUE((*c)->SeekToTime(1'700'000'000'000 + 6000).ok());
  auto again = Drain(**c, 4);
  std::set<std::string> values;
  for (const auto& r : again) values.insert(r.value);
  EXPECT_EQ(values, (std::set<std::string>{"6", "7", "8", "9"}));
  int p = PartitionForKey("k0", 2);
  ASSERT_TRUE((*c)->Seek("t", p, 0).ok());
  auto replay = Drain(**c, 5);
  ASSERT_EQ(replay.size(), 5u);
  EXPECT_EQ(replay.front().value, "0");
}

TEST(EmbeddedBus, ConcurrentPublishersGetDistinctContiguousOffsets) {
  TempDir dir;
  SystemClock clock;
  LogOptions opts;
  opts.default_partitions = 1;
  auto bus = OpenBus(dir.path(), clock, opts);
  std::mutex mu;
  std::set<std::int64_t> offsets;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) {
        std::vector<Message> batch{{"a", "1"}, {"b", "2"}};
        auto pos = bus->PublishBatch("t", batch);
        ASSERT_TRUE(pos.ok());
        std::lock_guard lock(mu);
        for (auto p : *pos) offsets.insert(p.offset);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(offsets.size(), 2000u);
  EXPECT_EQ(*offsets.begin(), 0);
  EXPECT_EQ(*offsets.rbegin(), 1999);
}

TEST(EmbeddedBus, SecondProcessCannotWriteAndNamesAreChecked) {
  TempDir dir;
  SystemClock clock;
  auto bus = OpenBus(dir.path(), clock);
  auto second = EmbeddedBus::Open(dir.path(), clock, QuietLog());
  // flock is per open file description, so a second Open in this process conflicts too.
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(bus->Publish("bad topic", "k", "v").ok());
  EXPECT_FALSE(bus->Publish("..", "k", "v").ok());
  EXPECT_FALSE(bus->Subscribe("g/../x", {"t"}).ok());
  auto factory = OpenEventBus("redis://x", dir.path(), clock, QuietLog());
  ASSERT_FALSE(factory.ok());
  EXPECT_NE(factory.error().message.find("unsupported events URL"), std::string::npos);
}

TEST(CloudEvents, ParsesValidAndRefusesWhatItCannotUnderstand) {
  auto ev = MakeCloudEvent("/hotpath/orders", "order.placed", "ord_1", "order-event", 1,
                           boost::json::object{{"order_id", "ord_1"}}, 1'700'000'000'000);
  auto parsed = ParseCloudEvent(SerializeCloudEvent(ev));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->type, "order.placed");
  EXPECT_EQ(parsed->schema_version, 1);
  EXPECT_EQ(parsed->subject, "ord_1");
  EXPECT_FALSE(ParseCloudEvent("{not json").ok());
  EXPECT_FALSE(ParseCloudEvent("[]").ok());
  EXPECT_FALSE(ParseCloudEvent(R"({"specversion":"0.3","id":"a","source":"s","type":"t","time":"2026-01-01T00:00:00Z","dataschema":"x/v1","data":{}})").ok());
  EXPECT_FALSE(ParseCloudEvent(R"({"specversion":"1.0","id":"a","source":"s","type":"t","time":"yesterday","dataschema":"x/v1","data":{}})").ok());
  EXPECT_FALSE(ParseCloudEvent(R"({"specversion":"1.0","id":"a","source":"s","type":"t","time":"2026-01-01T00:00:00Z","dataschema":"x","data":{}})").ok());
  EXPECT_TRUE(ParseCloudEvent(R"({"specversion":"1.0","id":"a","source":"s","type":"t","time":"2026-01-01T00:00:00Z","dataschema":"x/v2","data":{}})").ok());
}

TEST(CloudEvents, Rfc3339) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_FALSE(ParseRfc3339("2026-02-30T00:00:00Z").ok());  // not normalised into March
  EXPECT_FALSE(ParseRfc3339("2026-04-31T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("2026-02-29T00:00:00Z").ok());
  EXPECT_TRUE(ParseRfc3339("2028-02-29T00:00:00Z").ok());   // leap year
  EXPECT_FALSE(ParseRfc3339("2100-02-29T00:00:00Z").ok());  // not a leap year
  EXPECT_TRUE(ParseRfc3339("2000-02-29T00:00:00Z").ok());
  EXPECT_EQ(*ParseRfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_FALSE(ParseRfc3339("2026-02-31T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("2026-02-29T00:00:00Z").ok());
  EXPECT_EQ(*ParseRfc3339("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_EQ(*ParseRfc3339("2016-12-30T12:00:60Z"), 1483099260000);  // a leap second: the next minute
  EXPECT_FALSE(ParseRfc3339("2016-12-31T23:59:60Z").ok());            // ... unless it is the next day
  EXPECT_EQ(*ParseRfc3339("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(*ParseRfc3339("2025-11-25T07:00:00.123Z"), 1764054000123);
  EXPECT_FALSE(ParseRfc3339("2026-01-01 00:00").ok());
  EXPECT_FALSE(ParseRfc3339("2026-01-01T00:00:00").ok());
}

}  // namespace
}  // namespace hotpath::events

namespace hotpath::events {
namespace {

TEST(CloudEventTrace, TraceparentExtensionRoundTripsAndABadOneIsDropped) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  CloudEvent e = MakeCloudEvent("/hotpath/orders", "order.placed", "ord_1", "order-event", 1, {{"x", 1}}, 0);
  e.traceparent = tp;
  auto back = ParseCloudEvent(SerializeCloudEvent(e));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->traceparent, tp);
  std::string json = SerializeCloudEvent(e);
  json.replace(json.find(tp), tp.size(), "not-a-traceparent");
  auto bad = ParseCloudEvent(json);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->traceparent, "");
}

}  // namespace
}  // namespace hotpath::events
