// Alarm semantics (CloudWatch PutMetricAlarm, missing data = missing) on a registry the test drives
// and a manual clock: no sleeps, every period boundary chosen by the test.
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <boost/json/parse.hpp>

#include "ops/alarm.h"
#include "ops/alarm_evaluator.h"
#include "ops/alarm_rules.h"
#include "ops/alarm_service.h"

namespace hotpath::ops {
namespace {

namespace bj = boost::json;

AlarmDefinition Parse(std::string_view json, const std::string& name = "test") {
  auto r = ParseAlarm(bj::parse(json).as_object(), name);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : AlarmDefinition{};
}

constexpr Millis kStart = 1'800'000'000'000;  // a multiple of 10 s

struct Fixture {
  ManualClock clock{kStart};
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter().Name("req_total").Help("h").Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram().Name("lat_seconds").Help("h").Register(*registry);
  prometheus::Family<prometheus::Gauge>& lag = prometheus::BuildGauge().Name("lag").Help("h").Register(*registry);
  MemoryAlarmStore store;
  std::vector<AlarmTransition> sent;
  bool notify_fails = false;
  std::unique_ptr<AlarmService> service;

  Fixture() { Restart(); }
  void Restart() {
    service = std::make_unique<AlarmService>(
        clock, store, [this] { return registry->Collect(); },
        [this](const AlarmTransition& t, const AlarmDefinition&) -> Status {
          if (notify_fails) return Error::Unavailable("bus down");
          sent.push_back(t);
          return OkStatus();
        });
  }
  // Ticks once a second for `seconds`, calling `each` before every tick.
  void Run(int seconds, const std::function<void()>& each = {}) {
    for (int i = 0; i < seconds; ++i) {
      clock.Advance(std::chrono::milliseconds(1000));
      if (each) each();
      service->Tick();
    }
  }
  AlarmState State(const std::string& name) { return service->Get(name)->state; }
};

TEST(AlarmParse, ReportsEveryBadField) {
  auto r = ParseAlarm(bj::parse(R"({"metric":"9bad","statistic":"max","period_s":0,"threshold":"x",
      "comparison":"==","evaluation_periods":2,"datapoints_to_alarm":3,"notify":["ftp://x"],"extra":1,
      "labels":{"status":"~(unclosed"}})")
                          .as_object(),
                      "ok-name");
  ASSERT_FALSE(r.ok());
  std::set<std::string> fields;
  for (const auto& f : r.error().fields) fields.insert(f.field);
  for (const char* f : {"metric", "statistic", "period_s", "threshold", "comparison", "datapoints_to_alarm",
                        "notify[0]", "extra", "labels.status"}) {
    EXPECT_TRUE(fields.contains(f)) << f;
  }
  EXPECT_FALSE(ValidateAlarmName("-x").ok());
  EXPECT_FALSE(ValidateAlarmName(std::string(65, 'a')).ok());
  EXPECT_TRUE(ValidateAlarmName("p99.placement-latency_1").ok());
}

TEST(AlarmParse, DefaultsAndRoundTrip) {
  auto a = Parse(R"({"metric":"req_total","labels":{"status":"~5..","route":"/v1/orders"},"statistic":"rate",
      "period_s":60,"threshold":1,"comparison":">=","evaluation_periods":5,
      "notify":["https://hooks.example/x","mailto:ops@example.com"]})");
  EXPECT_EQ(a.datapoints_to_alarm, 5);  // defaults to evaluation_periods, like CloudWatch
  ASSERT_EQ(a.labels.size(), 2u);
  EXPECT_EQ(a.labels[0].name, "route");
  EXPECT_TRUE(a.labels[1].Matches("503"));
  EXPECT_FALSE(a.labels[1].Matches("404"));
  auto again = ParseAlarm(AlarmToJson(a), "", true);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->SameAs(a));
}

Datapoint Dp(Millis end, std::optional<double> v) { return {end, v}; }

TEST(AlarmDecide, MOfNWithMissingDataTreatedAsMissing) {
  auto a = Parse(R"({"metric":"m","statistic":"sum","period_s":60,"threshold":10,"comparison":">",
      "evaluation_periods":3,"datapoints_to_alarm":2})");
  // Newest first.
  EXPECT_EQ(Decide(a, {Dp(3, 11), Dp(2, 1), Dp(1, 12)}).state, AlarmState::kAlarm);
  EXPECT_EQ(Decide(a, {Dp(3, 11), Dp(2, 1), Dp(1, 2)}).state, AlarmState::kOk);
  EXPECT_EQ(Decide(a, {Dp(3, 10), Dp(2, 10), Dp(1, 10)}).state, AlarmState::kOk);  // > is strict
  EXPECT_EQ(Decide(a, {Dp(3, {}), Dp(2, {}), Dp(1, {})}).state, AlarmState::kInsufficientData);
  // Missing datapoints are left out: one present and breaching is enough when fewer than M are present.
  EXPECT_EQ(Decide(a, {Dp(3, 50), Dp(2, {}), Dp(1, {})}).state, AlarmState::kAlarm);
  EXPECT_EQ(Decide(a, {Dp(3, 50), Dp(2, {}), Dp(1, 1)}).state, AlarmState::kOk);
  auto d = Decide(a, {Dp(3, 11), Dp(2, 1), Dp(1, 12)});
  EXPECT_NE(d.reason.find("Threshold Crossed: 2 out of the last 3 datapoints"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("greater than the threshold (10)"), std::string::npos) << d.reason;
  auto insufficient = Decide(a, {Dp(3, {}), Dp(2, {}), Dp(1, {})}, "no metric named m in this process");
  EXPECT_NE(insufficient.reason.find("3 datapoints were unknown"), std::string::npos);
  EXPECT_NE(insufficient.reason.find("no metric named m"), std::string::npos);

  auto below = Parse(R"({"metric":"m","statistic":"sum","period_s":60,"threshold":1,"comparison":"<=",
      "evaluation_periods":1})");
  EXPECT_EQ(Decide(below, {Dp(1, 1)}).state, AlarmState::kAlarm);
  EXPECT_EQ(Decide(below, {Dp(1, 1.5)}).state, AlarmState::kOk);
}

TEST(AlarmService, CounterRateFiresAndClearsAtPeriodBoundaries) {
  Fixture f;
  ASSERT_TRUE(f.service->Load({}).ok());
  auto def = Parse(R"({"metric":"req_total","labels":{"status":"~5.."},"statistic":"rate","period_s":10,
      "threshold":2,"comparison":">","evaluation_periods":3,"datapoints_to_alarm":2})",
                   "errors");
  ASSERT_TRUE(f.service->Put(def).ok());
  EXPECT_EQ(f.State("errors"), AlarmState::kInsufficientData);
  auto& ok = f.requests.Add({{"status", "200"}});
  auto& err = f.requests.Add({{"status", "503"}});
  // Quiet traffic: 1 error per second (rate 1 <= 2). The first period has no base reading (missing).
  f.Run(10, [&] { err.Increment(); ok.Increment(100); });
  EXPECT_EQ(f.State("errors"), AlarmState::kInsufficientData);
  f.Run(10, [&] { err.Increment(); });
  EXPECT_EQ(f.State("errors"), AlarmState::kOk);
  // One bad period (5/s) is not 2 of 3.
  f.Run(10, [&] { err.Increment(5); });
  EXPECT_EQ(f.State("errors"), AlarmState::kOk);
  f.Run(10, [&] { err.Increment(5); });
  EXPECT_EQ(f.State("errors"), AlarmState::kAlarm);
  auto status = *f.service->Get("errors");
  EXPECT_NE(status.reason.find("2 out of the last 3 datapoints"), std::string::npos) << status.reason;
  ASSERT_EQ(status.datapoints.size(), 3u);
  EXPECT_DOUBLE_EQ(*status.datapoints[0].value, 5.0);
  // 200s do not count: only the matcher's series.
  f.Run(20, [&] { ok.Increment(1000); });
  EXPECT_EQ(f.State("errors"), AlarmState::kOk);

  ASSERT_EQ(f.sent.size(), 3u);
  EXPECT_EQ(f.sent[0].to, AlarmState::kOk);
  EXPECT_EQ(f.sent[1].to, AlarmState::kAlarm);
  EXPECT_EQ(f.sent[2].from, AlarmState::kAlarm);
  auto history = *f.service->History("errors");
  ASSERT_EQ(history.size(), 4u);  // newest first: 3 state updates and the creation
  EXPECT_EQ(history[0].summary, "Alarm updated from ALARM to OK");
  EXPECT_EQ(history[3].type, "ConfigurationUpdate");
}

// The ticks keep the phase of mid-interval whatever a tick costs: a tick that ended at any point
// waits for the next xxx.500 s, so each 1 s period holds one reading (a fixed wait after each tick
// drifted by the tick's duration, and some periods got none: INSUFFICIENT_DATA).
TEST(AlarmService, TicksKeepAFixedPhase) {
  using std::chrono::milliseconds;
  const Millis second = 1'700'000'000'000;
  EXPECT_EQ(AlarmService::UntilNextTick(second, milliseconds(1000)), milliseconds(500));
  EXPECT_EQ(AlarmService::UntilNextTick(second + 499, milliseconds(1000)), milliseconds(1));
  EXPECT_EQ(AlarmService::UntilNextTick(second + 500, milliseconds(1000)), milliseconds(1000));
  EXPECT_EQ(AlarmService::UntilNextTick(second + 501, milliseconds(1000)), milliseconds(999));
  EXPECT_EQ(AlarmService::UntilNextTick(second + 980, milliseconds(1000)), milliseconds(520));
  // Ticks that each take 37 ms (then 300 ms): every next tick is at a half second, one per second.
  Millis at = second + 123;
  for (int i = 0; i < 50; ++i) {
    at += (i % 7 == 0 ? 300 : 37);
    at += AlarmService::UntilNextTick(at, milliseconds(1000)).count();
    EXPECT_EQ(at % 1000, 500) << i;
    EXPECT_EQ(at / 1000, second / 1000 + i) << i;
  }
}

TEST(AlarmService, HistogramPercentileAndAverage) {
  Fixture f;
  ASSERT_TRUE(f.service->Load({}).ok());
  ASSERT_TRUE(f.service->Put(Parse(R"({"metric":"lat_seconds","statistic":"p99","period_s":5,"threshold":0.5,
      "comparison":">","evaluation_periods":1})", "p99")).ok());
  ASSERT_TRUE(f.service->Put(Parse(R"({"metric":"lat_seconds","statistic":"average","period_s":5,"threshold":0.5,
      "comparison":">","evaluation_periods":1})", "avg")).ok());
  auto& h = f.latency.Add({{"route", "/v1/orders"}}, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 2});
  f.Run(5, [&] { h.Observe(0.05); });
  f.Run(5, [&] { h.Observe(0.05); });
  EXPECT_EQ(f.State("p99"), AlarmState::kOk);
  EXPECT_EQ(f.State("avg"), AlarmState::kOk);
  // 2 slow requests in 100: p99 lands in the (1, 2] bucket, the average stays low.
  f.Run(5, [&] {
    for (int i = 0; i < 20; ++i) h.Observe(i < 2 && f.clock.NowMillis() % 5000 == 0 ? 1.5 : 0.05);
  });
  auto p99 = *f.service->Get("p99");
  EXPECT_EQ(p99.state, AlarmState::kAlarm) << p99.reason;
  ASSERT_TRUE(p99.datapoints[0].value);
  EXPECT_GT(*p99.datapoints[0].value, 0.5);
  EXPECT_LE(*p99.datapoints[0].value, 2.0);
  EXPECT_EQ(f.State("avg"), AlarmState::kOk);
  // No observations at all: the percentile is missing -> INSUFFICIENT_DATA.
  f.Run(5);
  EXPECT_EQ(f.State("p99"), AlarmState::kInsufficientData);
}

TEST(AlarmService, GaugeAverageAndAbsentMetric) {
  Fixture f;
  ASSERT_TRUE(f.service->Load({}).ok());
  ASSERT_TRUE(f.service->Put(Parse(R"({"metric":"lag","statistic":"average","period_s":4,"threshold":100,
      "comparison":">=","evaluation_periods":2,"datapoints_to_alarm":2})", "lag")).ok());
  ASSERT_TRUE(f.service->Put(Parse(R"({"metric":"nothing_here","statistic":"average","period_s":4,"threshold":1,
      "comparison":">","evaluation_periods":1})", "ghost")).ok());
  f.Run(8);
  EXPECT_EQ(f.State("lag"), AlarmState::kInsufficientData);  // no series selected: no samples
  auto& g1 = f.lag.Add({{"function", "notify"}});
  auto& g2 = f.lag.Add({{"function", "analytics"}});
  g1.Set(60);
  g2.Set(60);  // the sum over series is 120 at every sample
  f.Run(8);
  EXPECT_EQ(f.State("lag"), AlarmState::kAlarm);
  g2.Set(0);
  f.Run(4);
  EXPECT_EQ(f.State("lag"), AlarmState::kOk);  // 1 of 2 is not enough
  auto ghost = *f.service->Get("ghost");
  EXPECT_EQ(ghost.state, AlarmState::kInsufficientData);
  EXPECT_NE(ghost.reason.find("Unchecked"), std::string::npos);  // never left its initial state
}

TEST(AlarmService, StatisticMustFitTheMetricType) {
  Fixture f;
  ASSERT_TRUE(f.service->Load({}).ok());
  f.requests.Add({{"status", "200"}});
  auto r = f.service->Put(Parse(R"({"metric":"req_total","statistic":"p99","period_s":5,"threshold":1,
      "comparison":">"})", "bad"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().fields.at(0).field, "statistic");
}

TEST(AlarmService, SurvivesRestartAndConfigAlarmsAreReadOnly) {
  Fixture f;
  auto config = Parse(R"({"metric":"lag","statistic":"average","period_s":2,"threshold":5,"comparison":">"})",
                      "from-config");
  ASSERT_TRUE(f.service->Load({config}).ok());
  ASSERT_TRUE(f.service->Put(Parse(R"({"metric":"lag","statistic":"sum","period_s":2,"threshold":5,
      "comparison":">","notify":["mailto:ops@example.com"]})", "mine")).ok());
  auto& g = f.lag.Add({});
  g.Set(10);
  f.Run(4);
  EXPECT_EQ(f.State("mine"), AlarmState::kAlarm);
  EXPECT_EQ(f.service->Put(config).error().code, ErrorCode::kConflict);
  EXPECT_EQ(f.service->Delete("from-config").error().code, ErrorCode::kConflict);
  EXPECT_EQ(f.service->Delete("nope").error().code, ErrorCode::kNotFound);

  f.Restart();
  ASSERT_TRUE(f.service->Load({config}).ok());
  auto mine = *f.service->Get("mine");
  EXPECT_EQ(mine.state, AlarmState::kAlarm);
  EXPECT_EQ(mine.definition.notify, std::vector<std::string>{"mailto:ops@example.com"});
  EXPECT_EQ(f.service->History("mine")->size(), 2u);
  EXPECT_EQ(f.service->Get("from-config")->definition.source, "config");

  // The config dropped its alarm: it goes; API alarms stay.
  f.Restart();
  ASSERT_TRUE(f.service->Load({}).ok());
  EXPECT_FALSE(f.service->Get("from-config").ok());
  ASSERT_TRUE(f.service->Delete("mine").ok());
  f.Restart();
  ASSERT_TRUE(f.service->Load({}).ok());
  EXPECT_TRUE(f.service->List().empty());
}

TEST(AlarmService, FailedNotificationsAreRetriedInOrder) {
  Fixture f;
  ASSERT_TRUE(f.service->Load({}).ok());
  ASSERT_TRUE(f.service->Put(Parse(R"({"metric":"lag","statistic":"average","period_s":1,"threshold":5,
      "comparison":">"})", "a")).ok());
  auto& g = f.lag.Add({});
  f.notify_fails = true;
  g.Set(1);
  f.Run(2);
  g.Set(10);
  f.Run(2);
  EXPECT_EQ(f.State("a"), AlarmState::kAlarm);
  EXPECT_TRUE(f.sent.empty());
  f.notify_fails = false;
  f.Run(1);
  ASSERT_EQ(f.sent.size(), 2u);
  EXPECT_EQ(f.sent[0].to, AlarmState::kOk);
  EXPECT_EQ(f.sent[1].to, AlarmState::kAlarm);
}

TEST(AlarmRules, PromQlPerMetricType) {
  auto p99 = Parse(R"({"metric":"hotpath_http_request_duration_seconds","labels":{"route":"/v1/orders"},
      "statistic":"p99","period_s":60,"threshold":0.5,"comparison":">","evaluation_periods":5,"datapoints_to_alarm":3})",
                   "placement-p99");
  EXPECT_EQ(PromQlCondition(p99, Reading::Kind::kHistogram),
            "histogram_quantile(0.99, sum by (le) (rate(hotpath_http_request_duration_seconds_bucket{route=\"/v1/orders\"}[60s]))) > 0.5");
  auto errors = Parse(R"({"metric":"hotpath_http_requests_total","labels":{"status":"~5.."},"statistic":"rate",
      "period_s":60,"threshold":0.1,"comparison":">="})", "5xx");
  EXPECT_EQ(PromQlCondition(errors, Reading::Kind::kAbsent),
            "sum(rate(hotpath_http_requests_total{status=~\"5..\"}[60s])) >= 0.1");
  auto lag = Parse(R"({"metric":"hotpath_function_lag","statistic":"average","period_s":60,"threshold":1000,
      "comparison":">"})", "lag");
  EXPECT_EQ(PromQlCondition(lag, Reading::Kind::kGauge), "avg_over_time((sum(hotpath_function_lag))[60s:]) > 1000");
  std::string rules = PrometheusRules({p99, errors}, [](const std::string&) { return Reading::Kind::kAbsent; });
  EXPECT_NE(rules.find("alert: hotpath_placement_p99"), std::string::npos) << rules;
  EXPECT_NE(rules.find("for: 120s"), std::string::npos) << rules;
}

}  // namespace
}  // namespace hotpath::ops
