#include "app/events_cli.h"

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "app/cli.h"
#include "app/platform.h"
#include "functions/builtin.h"
#include "functions/controls.h"
#include "core/config.h"
#include "events/bus_factory.h"
#include "events/embedded_bus.h"
#include "events/kafka_bus.h"
#include "events/partition_reader.h"

namespace hotpath::app {
namespace {
namespace bj = boost::json;

int Fail(const std::string& message, int code = 2) {
  std::cerr << "hotpath: " << message << "\n";
  return code;
}

Result<Config> Load(const std::vector<std::string>& args, const std::set<std::string>& own,
                    const std::set<std::string>& booleans, std::map<std::string, std::string>* own_values,
                    std::vector<std::string>* positional) {
  HP_ASSIGN(auto parsed, ParseArgs(args, booleans));
  *positional = parsed.positional;
  HP_ASSIGN(auto sources, ConfigFromArgs(parsed, own, own_values));
  return LoadConfig(sources);
}

// One line per record: the event itself when the value is JSON, else a wrapper with the raw bytes.
template <typename R>
bool PrintRecord(const std::string& topic, int partition, const R& r) {
  boost::system::error_code ec;
  auto v = bj::parse(r.value, ec);
  std::string line;
  if (!ec) {
    line = bj::serialize(v);
  } else {
    line = bj::serialize(bj::object{{"topic", topic},
                                    {"partition", partition},
                                    {"offset", r.offset},
                                    {"key", r.key},
                                    {"raw", r.value}});
  }
  line.push_back('\n');
  return std::fwrite(line.data(), 1, line.size(), stdout) == line.size() && std::fflush(stdout) == 0;
}

// Reads the embedded log directly (read-only; works while a server is writing it).
int TailEmbedded(const std::string& root, const std::string& topic, bool from_beginning, bool follow) {
  auto dirs = events::TopicPartitionDirs(root, topic);
  while (dirs.empty()) {
    if (!follow) return 0;  // no such topic yet: nothing to print
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    dirs = events::TopicPartitionDirs(root, topic);
    from_beginning = true;  // it did not exist when we started: all of it is new
  }
  std::vector<std::unique_ptr<events::PartitionReader>> readers;
  for (const auto& d : dirs) {
    auto reader = std::make_unique<events::PartitionReader>(d);
    if (auto st = reader->SeekOffset(0); !st.ok()) return Fail(st.error().message, 1);
    if (!from_beginning) {
      while (true) {  // skip to the end
        auto r = reader->Next(-1, true);
        if (!r.ok()) return Fail(r.error().message, 1);
        if (!*r) break;
      }
    }
    readers.push_back(std::move(reader));
  }
  while (true) {
    struct Item {
      int partition;
      events::LogRecord record;
    };
    std::vector<Item> batch;
    for (std::size_t p = 0; p < readers.size(); ++p) {
      for (int i = 0; i < 10000; ++i) {
        auto r = readers[p]->Next(-1, true);
        if (!r.ok()) return Fail(r.error().message, 1);
        if (!*r) break;
        batch.push_back({static_cast<int>(p), std::move(**r)});
      }
    }
    // Across partitions by append time (a key's records keep their order: one partition, rising times).
    std::stable_sort(batch.begin(), batch.end(),
                     [](const Item& a, const Item& b) { return a.record.timestamp < b.record.timestamp; });
    for (const auto& item : batch) {
      if (!PrintRecord(topic, item.partition, item.record)) return 0;  // reader went away
    }
    if (batch.empty()) {
      if (!follow) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

int Tail(const std::vector<std::string>& args) {
  std::map<std::string, std::string> own;
  std::vector<std::string> positional;
  auto config = Load(args, {"topic", "from-beginning", "no-follow"}, {"from-beginning", "no-follow"}, &own,
                     &positional);
  if (!config.ok()) return Fail(config.error().message);
  if (!positional.empty()) return Fail(fmt::format("events tail: unexpected argument '{}'", positional.front()));
  if (!own.contains("topic")) return Fail("events tail: --topic is required (e.g. --topic orders)");
  const std::string topic = own["topic"];
  if (auto st = events::ValidateTopic(topic); !st.ok()) return Fail("events tail: " + st.error().message);
  bool from_beginning = own.contains("from-beginning");
  bool follow = !own.contains("no-follow");
  const std::string& url = config->events_url;
  if (url.empty() || url.rfind("embedded:", 0) == 0)
    return TailEmbedded(events::EmbeddedRoot(url, config->data_dir), topic, from_beginning, follow);
  if (url.rfind("kafka://", 0) == 0) {
    auto settings = events::ParseKafkaUrl(url, config->events_kafka);
    if (!settings.ok()) return Fail("events tail: " + settings.error().message);
    auto st = events::TailKafka(*settings, topic, from_beginning, follow,
                                [&](const events::Record& r) { return PrintRecord(topic, r.partition, r); });
    if (!st.ok()) return Fail("events tail: " + st.error().message, 1);
    return 0;
  }
  return Fail(fmt::format("events tail: unsupported events URL '{}'", url));
}

// Records in a topic of the embedded log (read-only, beside a running server); 0 if it does not exist.
Result<std::int64_t> CountRecords(const std::string& root, const std::string& topic) {
  std::int64_t n = 0;
  for (const auto& d : events::TopicPartitionDirs(root, topic)) {
    events::PartitionReader reader(d);
    HP_TRY(reader.SeekOffset(0));
    while (true) {
      HP_ASSIGN(auto r, reader.Next(-1, true));
      if (!r) break;
      ++n;
    }
  }
  return n;
}

int FunctionsList(const Config& config) {
  auto db = OpenDatabase(config, true);
  if (!db.ok()) return Fail(db.error().message, 1);
  const std::string& url = config.events_url;
  const bool embedded = url.empty() || url.rfind("embedded:", 0) == 0;
  SystemClock clock;
  auto controls = functions::Controls(**db, clock).List();
  if (!controls.ok()) return Fail(controls.error().message, 1);
  fmt::print("{:<14} {:<22} {:>5} {:>8} {:>18} {:>10} {:>12} {:>9} {}\n", "NAME", "TOPICS", "CONC", "ATTEMPTS",
             "BACKOFF_MS", "PROCESSED", "DEAD_LETTERS", "REPLAYED", "STATE");
  for (const auto& spec : functions::BuiltinSpecs(config)) {
    auto control = controls->find(spec.name);
    const bool paused = control != controls->end() && control->second.paused;
    std::string topics;
    for (const auto& t : spec.topics) topics += (topics.empty() ? "" : ",") + t;
    std::int64_t processed = 0, replayed = 0;
    auto st = (*db)->Read<Ok>([&](storage::Connection& c) -> Result<Ok> {
      HP_TRY(c.Query("SELECT count(*) FROM processed_events WHERE function = ?", {spec.name},
                     [&](const storage::Row& r) { processed = r.Int(0); }));
      HP_TRY(c.Query("SELECT COALESCE(SUM(replayed), 0) FROM function_replays WHERE function = ?", {spec.name},
                     [&](const storage::Row& r) { replayed = r.Int(0); }));
      return Ok{};
    });
    if (!st.ok()) return Fail(st.error().message, 1);
    std::string dead = "-";
    if (embedded) {
      auto n = CountRecords(events::EmbeddedRoot(url, config.data_dir), events::DeadLetterTopic(spec.name));
      if (!n.ok()) return Fail(n.error().message, 1);
      dead = std::to_string(*n);
    }
    fmt::print("{:<14} {:<22} {:>5} {:>8} {:>18} {:>10} {:>12} {:>9} {}\n", spec.name, topics, spec.concurrency,
               spec.max_attempts, fmt::format("{}..{}", spec.backoff_initial.count(), spec.backoff_max.count()),
               processed, dead, replayed, paused ? "paused" : "running");
  }
  return 0;
}

// Asks the running server (through the database) to re-drive the dead letters, and waits for it.
int FunctionsReplay(const Config& config, const std::string& name, int wait_s) {
  auto specs = functions::BuiltinSpecs(config);
  if (std::none_of(specs.begin(), specs.end(), [&](const auto& s) { return s.name == name; }))
    return Fail(fmt::format("functions replay-dlq: no function named '{}' (see hotpath functions list)", name));
  auto db = OpenDatabase(config, true);
  if (!db.ok()) return Fail(db.error().message, 1);
  auto id = (*db)->Write<std::int64_t>([&](storage::Connection& c) -> Result<std::int64_t> {
    std::int64_t id = -1;
    HP_TRY(c.Query("INSERT INTO function_replays(function, requested_at) VALUES (?, ?) RETURNING id",
                   {name, SystemClock().NowMillis()}, [&](const storage::Row& r) { id = r.Int(0); }));
    return id;
  });
  if (!id.ok()) return Fail(id.error().message, 1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  while (true) {
    std::optional<std::pair<std::int64_t, std::string>> done;
    auto st = (*db)->Read<Ok>([&](storage::Connection& c) -> Result<Ok> {
      HP_TRY(c.Query("SELECT COALESCE(replayed, -1), COALESCE(error, '') FROM function_replays "
                     "WHERE id = ? AND done_at IS NOT NULL",
                     {*id}, [&](const storage::Row& r) { done.emplace(r.Int(0), r.Text(1)); }));
      return Ok{};
    });
    if (!st.ok()) return Fail(st.error().message, 1);
    if (done) {
      if (!done->second.empty()) return Fail("functions replay-dlq: " + done->second, 1);
      fmt::print("replayed {} dead letter(s) of {}\n", done->first, name);
      return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      fmt::print("replay of {} requested (request {}); no running server has served it yet: `hotpath serve` "
                 "re-drives it when it runs\n", name, *id);
      return 3;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Records a pause or resume, which the running server applies within 250 ms (and at every start).
int FunctionsControl(const Config& config, const std::string& name, bool pause) {
  const char* verb = pause ? "pause" : "resume";
  auto specs = functions::BuiltinSpecs(config);
  if (std::none_of(specs.begin(), specs.end(), [&](const auto& s) { return s.name == name; }))
    return Fail(fmt::format("functions {}: no function named '{}' (see hotpath functions list)", verb, name));
  auto db = OpenDatabase(config, true);
  if (!db.ok()) return Fail(db.error().message, 1);
  SystemClock clock;
  auto set = functions::Controls(**db, clock).Set(name, pause, "cli");
  if (!set.ok()) return Fail(fmt::format("functions {}: {}", verb, set.error().message), 1);
  fmt::print("{} {} (a running server applies it within 250 ms; it holds across restarts)\n",
             pause ? "paused" : "resumed", name);
  return 0;
}

// Appends stdin's lines (one record each) to a topic of the embedded log. The log has one writer:
// this fails while a server runs on the same data directory (publish through the server instead).
int Publish(const std::vector<std::string>& args) {
  std::map<std::string, std::string> own;
  std::vector<std::string> positional;
  auto config = Load(args, {"topic", "key"}, {}, &own, &positional);
  if (!config.ok()) return Fail(config.error().message);
  if (!positional.empty()) return Fail(fmt::format("events publish: unexpected argument '{}'", positional.front()));
  if (!own.contains("topic")) return Fail("events publish: --topic is required");
  if (auto st = events::ValidateTopic(own["topic"]); !st.ok()) return Fail("events publish: " + st.error().message);
  Logger log(LogLevel::kWarn);
  SystemClock clock;
  auto bus = events::OpenEventBus(config->events_url, config->data_dir, clock, log, config->events_kafka);
  if (!bus.ok()) return Fail("events publish: " + bus.error().message, 1);
  std::vector<events::Message> messages;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty()) messages.push_back({own.contains("key") ? own["key"] : "", line});
  }
  if (messages.empty()) return Fail("events publish: nothing on standard input (one record per line)");
  auto pos = (*bus)->PublishBatch(own["topic"], messages);
  if (!pos.ok()) return Fail("events publish: " + pos.error().message, 1);
  fmt::print("published {} record(s) to {}\n", pos->size(), own["topic"]);
  return 0;
}

}  // namespace

int FunctionsCommand(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: hotpath functions list [--data-dir DIR] [--config FILE]\n"
      "       hotpath functions replay-dlq NAME [--wait-s N] [--data-dir DIR] [--config FILE]\n"
      "       hotpath functions pause|resume NAME [--data-dir DIR] [--config FILE]";
  const std::string verb = args.empty() ? "" : args.front();
  if (verb != "list" && verb != "replay-dlq" && verb != "pause" && verb != "resume") return Fail(kUsage);
  std::map<std::string, std::string> own;
  std::vector<std::string> positional;
  auto config = Load({args.begin() + 1, args.end()}, {"wait-s"}, {}, &own, &positional);
  if (!config.ok()) return Fail(config.error().message);
  if (args.front() == "list") {
    if (!positional.empty()) return Fail(fmt::format("functions list: unexpected argument '{}'", positional.front()));
    return FunctionsList(*config);
  }
  if (positional.size() != 1) return Fail(kUsage);
  if (verb == "pause" || verb == "resume") {
    if (own.contains("wait-s")) return Fail(fmt::format("functions {}: --wait-s is for replay-dlq", verb));
    return FunctionsControl(*config, positional.front(), verb == "pause");
  }
  int wait_s = 30;
  if (own.contains("wait-s")) {
    try {
      wait_s = std::stoi(own["wait-s"]);
    } catch (const std::exception&) {
      return Fail("functions replay-dlq: --wait-s must be a number of seconds");
    }
    if (wait_s < 0 || wait_s > 3600) return Fail("functions replay-dlq: --wait-s must be 0..3600");
  }
  return FunctionsReplay(*config, positional.front(), wait_s);
}

int EventsCommand(const std::vector<std::string>& args) {
  signal(SIGPIPE, SIG_IGN);
  if (!args.empty() && args.front() == "tail") return Tail({args.begin() + 1, args.end()});
  if (!args.empty() && args.front() == "publish") return Publish({args.begin() + 1, args.end()});
  return Fail(
      "usage: hotpath events tail --topic TOPIC [--from-beginning] [--no-follow] [--data-dir DIR] [--config FILE]\n"
      "       hotpath events publish --topic TOPIC [--key KEY] [--data-dir DIR] < records (one per line; server stopped)");
}

}  // namespace hotpath::app
