// Pure parts of `hotpath cluster`: the scaling policy, the signal parsers and the HAProxy config.

#include <gtest/gtest.h>
#include <prometheus/gauge.h>

#include <cmath>

#include "cluster/autoscale_policy.h"
#include "cluster/haproxy_config.h"
#include "cluster/process_signals.h"
#include "cluster/process_load.h"
#include "cluster/process_table.h"
#include "ops/metrics.h"
#include "ops/metrics_text.h"

namespace hotpath::cluster {
namespace {

using Action = Decision::Action;

AutoscalePolicy Policy() {
  AutoscalePolicy p;
  p.min = 1;
  p.max = 4;
  p.scale_out_step = 1;
  p.scale_in_step = 1;
  p.scale_out_cooldown_ms = 10'000;
  p.scale_in_cooldown_ms = 30'000;
  p.target_cpu = 0.5;
  p.target_in_flight = 10;
  p.target_p95_s = 0.2;
  p.scale_in_below = 0.5;
  return p;
}

ProcessSample Sample(double cpu, double in_flight, std::optional<double> p95 = std::nullopt) {
  return ProcessSample{cpu, in_flight, p95};
}

TEST(AutoscalePolicy, ScalesOutOnTheSignalOverTargetAndNamesIt) {
  auto d = Decide(Policy(), {}, 2, {Sample(0.9, 2), Sample(0.7, 4)}, 100'000);
  EXPECT_EQ(d.action, Action::kScaleOut);
  EXPECT_EQ(d.desired, 3);
  EXPECT_EQ(d.signal, "cpu");
  EXPECT_DOUBLE_EQ(d.load, 1.6);
  d = Decide(Policy(), {}, 1, {Sample(0.1, 15)}, 100'000);
  EXPECT_EQ(d.action, Action::kScaleOut);
  EXPECT_EQ(d.signal, "in_flight");
  d = Decide(Policy(), {}, 1, {Sample(0.1, 1, 0.5)}, 100'000);
  EXPECT_EQ(d.action, Action::kScaleOut);
  EXPECT_EQ(d.signal, "p95");
}

TEST(AutoscalePolicy, StepAndMaximumBoundTheScaleOut) {
  auto p = Policy();
  p.scale_out_step = 3;
  EXPECT_EQ(Decide(p, {}, 2, {Sample(2, 0), Sample(2, 0)}, 0).desired, 4);
  auto at_max = Decide(p, {}, 4, {Sample(2, 0)}, 0);
  EXPECT_EQ(at_max.action, Action::kHold);
  EXPECT_NE(at_max.reason.find("maximum"), std::string::npos);
}

TEST(AutoscalePolicy, ScaleOutCooldownHoldsThenReleases) {
  ScalingHistory h;
  h.last_scale_out_ms = 95'000;
  auto held = Decide(Policy(), h, 2, {Sample(1, 0)}, 100'000);
  EXPECT_EQ(held.action, Action::kHold);
  EXPECT_NE(held.reason.find("cooldown"), std::string::npos);
  EXPECT_EQ(Decide(Policy(), h, 2, {Sample(1, 0)}, 105'000).action, Action::kScaleOut);
}

TEST(AutoscalePolicy, ScalesInOnlyWhenQuietAfterBothCooldowns) {
  ScalingHistory h;
  h.last_scale_out_ms = 80'000;
  std::vector<ProcessSample> quiet = {Sample(0.05, 0), Sample(0.05, 1)};
  EXPECT_EQ(Decide(Policy(), h, 2, quiet, 100'000).action, Action::kHold);  // 20 s after a scale-out
  auto d = Decide(Policy(), h, 2, quiet, 110'000);
  EXPECT_EQ(d.action, Action::kScaleIn);
  EXPECT_EQ(d.desired, 1);
  h.last_scale_in_ms = 110'000;
  EXPECT_EQ(Decide(Policy(), h, 3, quiet, 120'000).action, Action::kHold);
  EXPECT_EQ(Decide(Policy(), h, 1, quiet, 500'000).action, Action::kHold);  // at the minimum
}

TEST(AutoscalePolicy, DoesNotScaleInWhenTheRestWouldBeOverloaded) {
  auto p = Policy();
  p.scale_in_below = 0.9;
  p.scale_in_step = 2;
  // load 0.6 on 3 processes -> 1.8 on 1.
  auto d = Decide(p, {}, 3, {Sample(0.3, 0), Sample(0.3, 0), Sample(0.3, 0)}, 1'000'000);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_NE(d.reason.find("would be"), std::string::npos);
}

TEST(AutoscalePolicy, BoundsAreRestoredAtOnceAndNoSamplesHold) {
  EXPECT_EQ(Decide(Policy(), {}, 0, {}, 0).desired, 1);
  EXPECT_EQ(Decide(Policy(), {}, 6, {Sample(5, 5)}, 0).desired, 4);
  auto d = Decide(Policy(), {}, 2, {}, 0);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_EQ(d.reason, "no samples");
}

TEST(AutoscalePolicy, LatencyCountsOnlyProcessesThatServed) {
  auto d = Decide(Policy(), {}, 2, {Sample(0, 0, 0.3), Sample(0, 0)}, 0);
  EXPECT_DOUBLE_EQ(d.p95_load, 1.5);
}

// The console's view of the autoscaler: counts every decision, keeps the scaling ones newest first
// (at most kRecent), and serialises what the console shows.
TEST(AutoscaleState, CountsDecisionsAndKeepsTheRecentScalingOnes) {
  AutoscaleState st;
  st.interval_ms = 1000;
  st.min = 1;
  st.max = 3;
  Decision hold;
  hold.current = hold.desired = 1;
  hold.reason = "cpu load 0.40 within bounds";
  Decision out = hold;
  out.action = Decision::Action::kScaleOut;
  out.desired = 2;
  out.signal = "cpu";
  out.load = 1.23456;
  out.cpu_load = 1.23456;
  out.reason = "cpu load 1.23 over target";
  st.Record(hold, 1000, 1);
  st.Record(out, 2000, 2);
  Decision in = out;
  in.action = Decision::Action::kScaleIn;
  in.current = 2;
  in.desired = 1;
  in.reason = "cpu \"quiet\"";
  st.Record(in, 3000, 1);
  st.Record(hold, 4000, 1);
  EXPECT_EQ(st.holds, 2);
  EXPECT_EQ(st.scale_outs, 1);
  EXPECT_EQ(st.scale_ins, 1);
  ASSERT_EQ(st.recent.size(), 2u);
  EXPECT_EQ(st.recent[0].at_ms, 3000);
  EXPECT_EQ(st.recent[1].decision.action, Decision::Action::kScaleOut);
  EXPECT_EQ(st.updated_ms, 4000);
  EXPECT_EQ(st.processes, 1);
  const std::string json = st.ToJson();
  EXPECT_NE(json.find(R"("decisions_total":{"hold":2,"scale_out":1,"scale_in":1})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("recent":[{"action":"scale_in","current":2,"desired":1,"signal":"cpu","load":1.235)"),
            std::string::npos) << json;
  EXPECT_NE(json.find(R"("reason":"cpu \"quiet\"","at_ms":3000})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("updated_ms":4000,"interval_ms":1000,"processes":1,"min_processes":1,"max_processes":3)"),
            std::string::npos) << json;
  for (int i = 0; i < 30; ++i) st.Record(out, 5000 + i, 2);
  EXPECT_EQ(st.recent.size(), AutoscaleState::kRecent);
  EXPECT_EQ(st.recent.front().at_ms, 5029);
}

// The autoscaler's signals out of what a serve process really exports (ops::Metrics' text, read back
// by ops::ParseMetricsText as the cluster's alarms read it): the latency of every route summed but
// the streams', and the in-flight gauge by its exact name (not a longer name sharing its start).
TEST(ProcessSignals, SignalsFromWhatAServeProcessExports) {
  ops::Metrics m;
  for (int i = 0; i < 10; ++i) m.ObserveRequest("GET", "/v1/zones", 200, 0.004);
  for (int i = 0; i < 90; ++i) m.ObserveRequest("POST", "/v1/orders", 201, 0.2);
  m.ObserveRequest("GET", "/v1/ws", 101, 3600);  // a WebSocket session, not a request's latency
  prometheus::BuildGauge().Name("hotpath_http_requests_in_flight").Help("in flight").Register(m.registry()).Add({}).Set(3);
  prometheus::BuildGauge().Name("hotpath_http_requests_in_flight_peak").Help("x").Register(m.registry()).Add({}).Set(9);
  auto families = ops::ParseMetricsText(m.Render());
  ASSERT_TRUE(families.ok()) << families.error().message;

  auto h = RequestLatency(*families, {"/v1/ws", "/v1/orders/{id}/events"});
  EXPECT_EQ(h.buckets.size(), 13u);  // 12 bounds and +Inf, bucket by bucket over both routes
  EXPECT_EQ(h.buckets.at(0.0005), 0);
  EXPECT_EQ(h.buckets.at(0.005), 10);
  EXPECT_EQ(h.buckets.at(0.25), 100);
  EXPECT_EQ(h.buckets.at(INFINITY), 100);
  EXPECT_EQ(RequestLatency(*families, {}).buckets.at(INFINITY), 101);
  // p95 of the 100 requests: rank 95 lies among the 90 in (0.1 s, 0.25 s].
  EXPECT_NEAR(*QuantileBetween({}, h, 0.95), 0.1 + 0.15 * 85.0 / 90.0, 1e-9);

  EXPECT_EQ(GaugeValue(*families, "hotpath_http_requests_in_flight"), 3.0);
  EXPECT_FALSE(GaugeValue(*families, "hotpath_missing").has_value());
  EXPECT_FALSE(GaugeValue(*families, "hotpath_http_request_duration_seconds").has_value());  // not a gauge
}

TEST(ProcessSignals, QuantileOfTheWindowInterpolatesInsideTheBucket) {
  Histogram before, after;
  before.buckets = {{0.01, 10}, {0.1, 10}, {INFINITY, 10}};
  after.buckets = {{0.01, 20}, {0.1, 110}, {INFINITY, 110}};
  // 100 new observations: 10 under 10 ms, 90 in (10 ms, 100 ms]; p95 rank 95 -> 0.01 + 0.09 * 85/90.
  EXPECT_NEAR(*QuantileBetween(before, after, 0.95), 0.01 + 0.09 * 85.0 / 90.0, 1e-9);
  EXPECT_FALSE(QuantileBetween(after, after, 0.95).has_value());
  Histogram slow;
  slow.buckets = {{0.01, 20}, {0.1, 110}, {INFINITY, 210}};
  EXPECT_DOUBLE_EQ(*QuantileBetween(after, slow, 0.95), 0.1);  // all beyond the last bound
}

TEST(ProcessSignals, CpuTicksSurviveOddProcessNames) {
  std::string stat = "1234 (hot path) (x)) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 125 0 0 20 0 9 0 100 0 0";
  EXPECT_EQ(CpuTicks(stat), 375u);
  EXPECT_FALSE(CpuTicks("garbage").has_value());
}

TEST(ProcessSignals, SessionsPerServerFromShowStat) {
  std::string csv =
      "# pxname,svname,qcur,qmax,scur,smax\n"
      "edge,FRONTEND,,,7,9\n"
      "api,s0,0,0,3,5\n"
      "api,s1,0,0,0,2\n"
      "api,BACKEND,0,0,3,7\n"
      "primary,s0,0,0,1,1\n";
  auto s = CurrentSessions(csv, "api");
  EXPECT_EQ(s, (std::map<std::string, int>{{"s0", 3}, {"s1", 0}}));
  EXPECT_EQ(CurrentSessions(csv, "primary").at("s0"), 1);
}

TEST(HaproxyConfig, DeclaresEverySlotAndRoutesDispatchToThePrimary) {
  HaproxyOptions o;
  o.listen = "127.0.0.1:8080";
  o.run_dir = "/tmp/run";
  o.slots = {{"s0", "127.0.0.1:4001"}, {"s1", "127.0.0.1:4002"}, {"s2", ""}};
  auto cfg = RenderHaproxyConfig(o);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  for (const char* needle :
       {"bind 127.0.0.1:8080", "balance leastconn", "option httpchk GET /readyz", "stats socket /tmp/run/haproxy.sock",
        "level admin", "timeout tunnel 3600s", "server s0 127.0.0.1:4001 check\n", "server s1 127.0.0.1:4002 check\n",
        "server s2 127.0.0.1:9 check disabled\n", "use_backend primary if dispatch_path", "hard-stop-after 30s"}) {
    EXPECT_NE(cfg->find(needle), std::string::npos) << needle;
  }
  auto primary = cfg->find("\nbackend primary");
  ASSERT_NE(primary, std::string::npos);
  EXPECT_NE(cfg->find("server s0 127.0.0.1:4001 check", primary), std::string::npos);
  EXPECT_EQ(cfg->find("server s1", primary), std::string::npos);
}

TEST(HaproxyConfig, RefusesWhatHaproxyWouldMisread) {
  HaproxyOptions o;
  o.listen = "127.0.0.1:8080";
  o.run_dir = "/tmp/run";
  o.slots = {{"s0", "127.0.0.1:4001"}};
  auto bad = o;
  bad.run_dir = "relative";
  EXPECT_FALSE(RenderHaproxyConfig(bad).ok());
  bad = o;
  bad.run_dir = "/tmp/with space";
  EXPECT_FALSE(RenderHaproxyConfig(bad).ok());
  bad = o;
  bad.listen = "nohost";
  EXPECT_FALSE(RenderHaproxyConfig(bad).ok());
  bad = o;
  bad.slots = {{"s0", ""}};
  EXPECT_FALSE(RenderHaproxyConfig(bad).ok());
}

TEST(ProcessTable, RoundTripAndBadEntries) {
  std::vector<ProcessEntry> rows = {{"s0", "primary", 101, 40001, "active"}, {"s2", "api", 103, 40003, "draining"}};
  auto back = ParseProcessTable(ProcessTableToJson(rows));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].slot, "s2");
  EXPECT_EQ((*back)[1].role, "api");
  EXPECT_EQ((*back)[1].pid, 103);
  EXPECT_EQ((*back)[1].port, 40003);
  EXPECT_EQ((*back)[1].state, "draining");
  EXPECT_TRUE(ParseProcessTable(R"({"processes":[]})").ok());
  for (const char* bad : {"", "[]", R"({"processes":{}})", R"({"processes":[{"slot":"s1"}]})",
                          R"({"processes":[{"slot":"s1","role":"api","pid":1,"port":70000,"state":"active"}]})"}) {
    EXPECT_FALSE(ParseProcessTable(bad).ok()) << bad;
  }
}

TEST(ProcessLoad, RoundTripAndBadEntries) {
  LoadReport r;
  r.at_ms = 1'764'000'000'123;
  ProcessLoad p;
  p.slot = "s1";
  p.pid = 4321;
  p.in_flight = 3;
  p.latency.buckets = {{0.0005, 0}, {0.25, 90}, {INFINITY, 100}};
  r.processes.push_back(p);
  auto back = ParseLoadReport(LoadReportToJson(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->at_ms, r.at_ms);
  ASSERT_EQ(back->processes.size(), 1u);
  EXPECT_EQ(back->processes[0].slot, "s1");
  EXPECT_EQ(back->processes[0].pid, 4321);
  EXPECT_EQ(back->processes[0].in_flight, 3);
  EXPECT_EQ(back->processes[0].latency.buckets, p.latency.buckets);
  for (const char* bad : {"", "[]", R"({"processes":[]})", R"({"at_ms":1,"processes":[{"slot":"s1"}]})",
                          R"({"at_ms":1,"processes":[{"slot":"s1","pid":1,"in_flight":0,"latency":[["x",1]]}]})"}) {
    EXPECT_FALSE(ParseLoadReport(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace hotpath::cluster
