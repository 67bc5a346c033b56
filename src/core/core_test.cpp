#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <sstream>
#include <map>

#include <algorithm>
#include <set>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/clock.h"
#include "core/config.h"
#include "core/json.h"
#include "core/trace.h"

namespace hotpath {
namespace {

TEST(Json, RejectsMalformedAndNonObjects) {
  EXPECT_FALSE(json::ParseObject("{\"a\":").ok());
  EXPECT_FALSE(json::ParseObject("[1,2]").ok());
  EXPECT_FALSE(json::ParseObject("").ok());
  EXPECT_TRUE(json::ParseObject("", true).ok());
}

TEST(Json, ReaderCollectsEveryFieldError) {
  auto obj = json::ParseObject(R"({"name":5,"qty":0,"extra":true,"pos":{"lat":91,"lon":0}})");
  ASSERT_TRUE(obj.ok());
  json::FieldErrors errors;
  json::ObjectReader r(*obj, errors);
  EXPECT_FALSE(r.String("name", true));
  EXPECT_FALSE(r.Int("qty", true, 1, 100));
  EXPECT_FALSE(r.String("missing", true));
  EXPECT_FALSE(json::ReadLatLon(r, "pos", true, errors));
  r.Done();
  std::vector<std::string> fields;
  for (const auto& e : errors.list()) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"name", "qty", "missing", "pos.lat", "extra"}));
  auto st = errors.ToStatus();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
}

TEST(Json, IntegerAcceptsWholeDoublesOnly) {
  auto obj = json::ParseObject(R"({"a":2.0,"b":2.5,"c":"3"})");
  json::FieldErrors errors;
  json::ObjectReader r(*obj, errors);
  EXPECT_EQ(r.Int("a", true, 0, 10), 2);
  EXPECT_FALSE(r.Int("b", true, 0, 10));
  EXPECT_FALSE(r.Int("c", true, 0, 10));
  EXPECT_EQ(errors.list().size(), 2u);
}

TEST(Json, BlankStringsAreRefused) {
  auto obj = json::ParseObject(R"({"name":"   ","note":"\t"})");
  json::FieldErrors errors;
  json::ObjectReader r(*obj, errors);
  EXPECT_FALSE(r.String("name", true));
  EXPECT_EQ(r.String("note", false, 0, 10), "\t");  // min length 0: blank allowed on purpose
  ASSERT_EQ(errors.list().size(), 1u);
  EXPECT_EQ(errors.list()[0].reason, "must not be blank");
}

TEST(Json, FormatsRfc3339) { EXPECT_EQ(json::FormatTime(1764054000123), "2025-11-25T07:00:00.123Z"); }

// The hand-rolled calendar against the C library's, over leap years, centuries and the epoch.
TEST(Json, FormatTimeAgreesWithGmtime) {
  auto reference = [](std::int64_t ms) {
    std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms - static_cast<std::int64_t>(secs) * 1000));
    return std::string(buf);
  };
  std::uint64_t state = 12345;  // fixed-seed xorshift: the same values every run
  for (int i = 0; i < 200000; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    // Years 1600-9999, and a dense band around the epoch (negative times included).
    const std::int64_t ms = i % 2 == 0 ? static_cast<std::int64_t>(state % 315537897600000ULL) - 11676096000000LL
                                       : static_cast<std::int64_t>(state % 200000000000ULL) - 100000000000LL;
    ASSERT_EQ(json::FormatTime(ms), reference(ms)) << ms;
    std::int64_t y = 0;
    int m = 0, d = 0;
    const std::int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    json::CivilFromDays(days, y, m, d);
    ASSERT_EQ(json::DaysFromCivil(y, m, d), days) << ms;
  }
  EXPECT_EQ(json::FormatTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(json::FormatTime(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(json::FormatTime(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(json::FormatTime(253402300799999), "9999-12-31T23:59:59.999Z");
  std::string out = "at=";
  json::AppendTime(out, 1764054000123);
  EXPECT_EQ(out, "at=2025-11-25T07:00:00.123Z");
}

TEST(Ids, AreUniqueAndPrefixed) {
  auto a = NewId("ord");
  auto b = NewId("ord");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("ord_", 0), 0u);
  EXPECT_EQ(a.size(), 4u + 26u);
}

TEST(Ids, IncreaseStrictlyWithinAProcessEvenInOneMillisecond) {
  std::string previous = NewId("evt");
  for (int i = 0; i < 20000; ++i) {
    std::string next = NewId("evt");
    ASSERT_LT(previous, next);
    previous = std::move(next);
  }
}

TEST(Ids, SortByCreationTimeAndStayUnique) {
  // Later milliseconds sort later, whatever the random part; within one millisecond they differ.
  std::vector<std::string> ids;
  for (Millis t : {Millis{1}, Millis{999}, Millis{1'764'054'000'123}, Millis{1'764'054'000'124},
                   Millis{281'474'976'710'655}}) {
    ids.push_back(NewIdAt("ord", t));
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  std::set<std::string> same_ms;
  for (int i = 0; i < 10000; ++i) same_ms.insert(NewIdAt("ord", 1'764'054'000'123));
  EXPECT_EQ(same_ms.size(), 10000u);
  for (const auto& id : same_ms) EXPECT_EQ(id.substr(0, 13), ids[2].substr(0, 13)) << id;  // "ord_" and 9 chars of time only
}

TEST(Config, PrecedenceFileThenEnvThenFlags) {
  auto dir = std::filesystem::temp_directory_path() / ("hp_cfg_" + NewId("t"));
  std::filesystem::create_directories(dir);
  auto file = dir / "c.toml";
  std::ofstream(file)
      << "[server]\nlisten = \"127.0.0.1:1111\"\nworker_threads = 4\n[log]\nlog_level = \"warn\"\n";
  ConfigSources src;
  src.file = file.string();
  src.env = {{"HOTPATH_LISTEN", "127.0.0.1:2222"}, {"HOTPATH_WORKER_THREADS", "8"}};
  src.flags = {{"listen", "127.0.0.1:3333"}};
  auto c = LoadConfig(src);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->listen, "127.0.0.1:3333");
  EXPECT_EQ(c->worker_threads, 8);
  EXPECT_EQ(c->log_level, "warn");
  std::filesystem::remove_all(dir);
}

TEST(Config, EventsKafkaTableIsPassedThroughAndSecretsMasked) {
  auto dir = std::filesystem::temp_directory_path() / ("hp_cfg_" + NewId("t"));
  std::filesystem::create_directories(dir);
  auto file = dir / "c.toml";
  std::ofstream(file) << "[storage]\nevents_url = \"kafka://k1:9092,k2:9092\"\n[events.kafka]\n"
                         "\"security.protocol\" = \"SASL_SSL\"\n\"sasl.password\" = \"hunter2\"\n"
                         "\"socket.timeout.ms\" = 5000\n";
  ConfigSources src;
  src.file = file.string();
  auto c = LoadConfig(src);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->events_url, "kafka://k1:9092,k2:9092");
  EXPECT_EQ(c->events_kafka.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(c->events_kafka.at("socket.timeout.ms"), "5000");
  std::string shown = ShowConfig(*c);
  EXPECT_NE(shown.find("\"security.protocol\" = \"SASL_SSL\""), std::string::npos) << shown;
  EXPECT_EQ(shown.find("hunter2"), std::string::npos) << shown;
  std::ofstream(file) << "[events.kafka]\nnested = [1, 2]\n";
  auto bad = LoadConfig(src);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("events.kafka.nested"), std::string::npos) << bad.error().message;
  std::filesystem::remove_all(dir);
}

TEST(Config, UnknownKeysAndBadValuesAreNamed) {
  auto dir = std::filesystem::temp_directory_path() / ("hp_cfg_" + NewId("t"));
  std::filesystem::create_directories(dir);
  auto file = dir / "c.toml";
  std::ofstream(file) << "[server]\nlisen = \"x\"\n";
  ConfigSources src;
  src.file = file.string();
  auto c = LoadConfig(src);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("server.lisen"), std::string::npos);

  ConfigSources env;
  env.env = {{"HOTPATH_WORKER_THREADS", "lots"}};
  auto e = LoadConfig(env);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("HOTPATH_WORKER_THREADS"), std::string::npos);

  ConfigSources url;
  url.env = {{"HOTPATH_DATABASE_URL", "mysql://x"}};
  EXPECT_FALSE(LoadConfig(url).ok());
  std::filesystem::remove_all(dir);
}

TEST(Config, DemandSectionsParseAndRefuseBadValues) {
  ConfigSources src;
  src.flags = {{"dynamic-fees", "true"}, {"fee-max-surcharge", "250"}, {"staffing-shift-starts", "7-9, 17"},
               {"forecast-min-history-days", "21"}};
  auto c = LoadConfig(src);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->dynamic_fees);
  EXPECT_EQ(c->fee_max_surcharge, 250);
  EXPECT_EQ(c->forecast_min_history_days, 21);
  EXPECT_EQ(*ParseHourList(c->staffing_shift_starts, 0, 23), (std::vector<int>{7, 8, 9, 17}));
  EXPECT_EQ(*ParseHourList("", 0, 23), std::vector<int>{});
  for (const char* bad : {"25", "9-7", "x", "7-", "-3"}) EXPECT_FALSE(ParseHourList(bad, 0, 23).ok()) << bad;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"HOTPATH_STAFFING_SHIFT_STARTS", "6-30"},
           {"HOTPATH_STAFFING_SHIFT_LENGTHS", ""},
           {"HOTPATH_FEE_MAX_MULTIPLIER", "0.5"},
           {"HOTPATH_FORECAST_MIN_HISTORY_DAYS", "3"},
           {"HOTPATH_STAFFING_SERVICE_LEVEL", "0.95"}}) {
    ConfigSources env;
    env.env = {{key, value}};
    auto e = LoadConfig(env);
    ASSERT_FALSE(e.ok()) << key;
    EXPECT_NE(e.error().message.find(key), std::string::npos) << e.error().message;
  }
}

TEST(Config, ShowMasksSecrets) {
  Config c;
  c.token_secret = std::string(40, 'k');
  c.database_replicas = "postgresql://u:pw1@r1/db, postgresql://u:pw2@r2/db";
  auto shown = ShowConfig(c);
  EXPECT_EQ(shown.find("pw1"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("pw2"), std::string::npos) << shown;  // not only the first replica's
  EXPECT_NE(shown.find("@r2/db"), std::string::npos) << shown;
  EXPECT_EQ(shown.find(std::string(40, 'k')), std::string::npos);
  EXPECT_NE(shown.find("token_secret = \"****\""), std::string::npos);
}

TEST(Config, ShowPrintsEachSectionOnceAndParsesAsToml) {
  auto shown = ShowConfig(Config{});
  std::map<std::string, int> headers;
  std::istringstream lines(shown);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line.front() == '[') ++headers[line];
  ASSERT_FALSE(headers.empty());
  for (const auto& [header, n] : headers) EXPECT_EQ(n, 1) << header << " appears " << n << " times\n" << shown;
  EXPECT_EQ(headers.count("[dispatch]"), 1u);
  // A table declared twice is a TOML error: the output must parse.
  try {
    auto parsed = toml::parse(shown);
    EXPECT_TRUE(parsed.contains("dispatch"));
  } catch (const toml::parse_error& e) {
    ADD_FAILURE() << "config show is not valid TOML: " << e.description() << "\n" << shown;
  }
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.NowMillis(), 1000);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(clock.NowMillis(), 3000);
}

}  // namespace
}  // namespace hotpath

#include "core/geo.h"
namespace hotpath::geo {
namespace {
TEST(Geo, DistanceMatchesKnownValue) {
  // One degree of latitude is about 111.2 km.
  EXPECT_NEAR(DistanceMeters({40.0, -74.0}, {41.0, -74.0}), 111195, 50);
  EXPECT_DOUBLE_EQ(DistanceMeters({1, 2}, {1, 2}), 0.0);
}
TEST(Geo, PolygonContainment) {
  std::vector<Point> square{{0, 0}, {0, 1}, {1, 1}, {1, 0}};
  EXPECT_TRUE(Contains(square, {0.5, 0.5}));
  EXPECT_FALSE(Contains(square, {1.5, 0.5}));
  EXPECT_FALSE(Contains(square, {0.5, -0.1}));
}
TEST(Geo, BoxContainsTheCircle) {
  Point c{40.7, -74.0};
  auto b = Around(c, 1000);
  EXPECT_LT(b.min_lat, 40.7 - 0.0089);
  EXPECT_GT(b.max_lon, -74.0 + 0.0118);
}
}  // namespace
}  // namespace hotpath::geo

namespace hotpath {
namespace {

TEST(TraceContext, ParsesValidTraceparentsAndRefusesBadOnes) {
  auto tp = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tp->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(tp->Format(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  // A future version may append fields after a dash.
  EXPECT_TRUE(ParseTraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more"));
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
                          "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00x"}) {
    EXPECT_FALSE(ParseTraceParent(bad)) << bad;
  }
}

TEST(TraceContext, RequestContinuesTheCallersTraceWithItsOwnSpan) {
  auto ctx = ContextForRequest("r1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
  EXPECT_EQ(ctx.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ctx.span_id.size(), 16u);
  EXPECT_NE(ctx.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(ctx.flags, "01");  // only the sampled bit is propagated
  auto fresh = ContextForRequest("r2", std::nullopt);
  EXPECT_EQ(fresh.trace_id.size(), 32u);
  EXPECT_NE(fresh.trace_id, ctx.trace_id);
  EXPECT_TRUE(CurrentRequestContext().empty());
  {
    RequestScope scope(ctx);
    EXPECT_EQ(CurrentRequestContext().trace_id, ctx.trace_id);
    EXPECT_EQ(CurrentRequestContext().TraceParentHeader(),
              "00-4bf92f3577b34da6a3ce929d0e0e4736-" + ctx.span_id + "-01");
  }
  EXPECT_TRUE(CurrentRequestContext().empty());
}

}  // namespace
}  // namespace hotpath

#include <fcntl.h>
#include <unistd.h>

#include "core/log.h"

namespace hotpath {
namespace {

// Points fd 2 at a temporary file while it lives (the logger writes to fd 2).
class CapturedStderr {
 public:
  CapturedStderr() : path_(std::filesystem::temp_directory_path() / ("hotpath-log-" + NewId("t"))) {
    fd_ = ::open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    saved_ = ::dup(2);
    ::dup2(fd_, 2);
  }
  ~CapturedStderr() {
    Logger::Flush();
    ::dup2(saved_, 2);
    ::close(saved_);
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  [[nodiscard]] std::string Text() const {
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  int saved_ = -1;
};

TEST(Log, AccessLinesWaitInTheBufferAndOtherLinesTakeThemAlongInOrder) {
  Logger log(LogLevel::kInfo);
  CapturedStderr err;
  Logger::SetBufferBytes(1 << 20, std::chrono::hours(1));  // no periodic flush during the test
  log.Raw(LogLevel::kInfo, R"({"msg":"request","n":1})");
  log.Raw(LogLevel::kInfo, R"({"msg":"request","n":2})");
  EXPECT_EQ(err.Text(), "");  // buffered
  log.Info("started", {{"k", "v"}});
  std::string text = err.Text();
  ASSERT_NE(text.find(R"({"msg":"request","n":1})"), std::string::npos) << text;
  EXPECT_LT(text.find(R"("n":1)"), text.find(R"("n":2)"));
  EXPECT_LT(text.find(R"("n":2)"), text.find(R"("msg":"started")"));
  EXPECT_EQ(text.back(), '\n');
  log.Raw(LogLevel::kInfo, R"({"msg":"request","n":3})");
  log.Raw(LogLevel::kError, R"({"msg":"request","n":4})");  // a 5xx: written at once, with n=3
  text = err.Text();
  EXPECT_LT(text.find(R"("n":3)"), text.find(R"("n":4)"));
  log.Raw(LogLevel::kInfo, R"({"msg":"request","n":5})");
  Logger::Flush();
  EXPECT_NE(err.Text().find(R"("n":5)"), std::string::npos);
  Logger::SetBufferBytes(0);  // log.log_buffer_bytes = 0: every line at once
  log.Raw(LogLevel::kInfo, R"({"msg":"request","n":6})");
  EXPECT_NE(err.Text().find(R"("n":6)"), std::string::npos);
  Logger::SetBufferBytes(Logger::kDefaultBufferBytes);
}

TEST(Log, ABufferSmallerThanALineWritesEachLine) {
  Logger log(LogLevel::kInfo);
  CapturedStderr err;
  Logger::SetBufferBytes(8);
  log.Raw(LogLevel::kInfo, R"({"msg":"request","n":7})");
  EXPECT_EQ(err.Text(), "{\"msg\":\"request\",\"n\":7}\n");
  Logger::SetBufferBytes(Logger::kDefaultBufferBytes);
}

}  // namespace
}  // namespace hotpath
