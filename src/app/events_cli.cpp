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
#include "core/config.h"
#include "events/bus_factory.h"
#include "events/embedded_bus.h"
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
bool PrintRecord(const std::string& topic, int partition, const events::LogRecord& r) {
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
  return Fail(fmt::format("events tail: unsupported events URL '{}'", url));
}

}  // namespace

int EventsCommand(const std::vector<std::string>& args) {
  signal(SIGPIPE, SIG_IGN);
  if (!args.empty() && args.front() == "tail") return Tail({args.begin() + 1, args.end()});
  return Fail(
      "usage: hotpath events tail --topic TOPIC [--from-beginning] [--no-follow] [--data-dir DIR] [--config FILE]");
}

}  // namespace hotpath::app
