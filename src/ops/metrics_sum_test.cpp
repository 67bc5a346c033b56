// The cluster-wide sum the primary's alarms read: the exposition text read back, counters and
// histograms added across processes, gauges by family, and counter resets (a process restarted,
// down, gone, or already running when first seen) never lowering the sum, so a rate alarm over it
// neither goes negative nor fires on a restart.
#include "ops/metrics_sum.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <boost/json/parse.hpp>
#include <cmath>
#include <sstream>

#include "ops/alarm.h"
#include "ops/alarm_evaluator.h"
#include "ops/metrics_text.h"

namespace hotpath::ops {
namespace {

using Families = std::vector<prometheus::MetricFamily>;
using Labels = std::vector<prometheus::ClientMetric::Label>;

const prometheus::MetricFamily* Find(const Families& fams, const std::string& name) {
  for (const auto& f : fams) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const prometheus::ClientMetric* Series(const Families& fams, const std::string& name, Labels labels = {}) {
  const auto* f = Find(fams, name);
  if (!f) return nullptr;
  std::sort(labels.begin(), labels.end());
  for (const auto& m : f->metric) {
    auto l = m.label;
    std::sort(l.begin(), l.end());
    if (l == labels) return &m;
  }
  return nullptr;
}

// One process's registry, as a test drives it.
struct Process {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter().Name("hotpath_http_requests_total").Help("requests").Register(registry);
  prometheus::Family<prometheus::Histogram>& latency = prometheus::BuildHistogram()
                                                           .Name("hotpath_http_request_duration_seconds")
                                                           .Help("latency")
                                                           .Register(registry);
  prometheus::Family<prometheus::Gauge>& in_flight =
      prometheus::BuildGauge().Name("hotpath_http_requests_in_flight").Help("in flight").Register(registry);
  prometheus::Family<prometheus::Gauge>& open =
      prometheus::BuildGauge().Name("hotpath_orders_open").Help("open orders").Register(registry);
  prometheus::Family<prometheus::Gauge>& cache_up =
      prometheus::BuildGauge().Name("hotpath_cache_up").Help("cache").Register(registry);

  prometheus::Counter& Errors() { return requests.Add({{"route", "/v1/orders"}, {"status", "503"}}); }
  prometheus::Histogram& Orders() {
    return latency.Add({{"route", "/v1/orders"}}, prometheus::Histogram::BucketBoundaries{0.1, 1});
  }
  // What the primary reads from this process: its /metrics text, parsed back.
  Families Scrape() {
    std::ostringstream text;
    prometheus::TextSerializer().Serialize(text, registry.Collect());
    auto parsed = ParseMetricsText(text.str());
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    return parsed.ok() ? *parsed : Families{};
  }
};

double ErrorsIn(const Families& fams) {
  const auto* m = Series(fams, "hotpath_http_requests_total", {{"route", "/v1/orders"}, {"status", "503"}});
  return m ? m->counter.value : -1;
}

TEST(MetricsText, ReadsBackWhatTheRegistryExports) {
  Process p;
  p.requests.Add({{"route", "/v1/orders/{id}"}, {"method", "GET"}, {"status", "200"}}).Increment(7);
  p.requests.Add({{"route", "quote \"x\" \\ back\nslash"}, {"status", "500"}}).Increment(2);
  auto& h = p.Orders();
  for (double v : {0.05, 0.5, 0.5, 3.0}) h.Observe(v);
  p.in_flight.Add({}).Set(-2.5);
  auto fams = p.Scrape();
  ASSERT_EQ(fams.size(), 3u);  // families without series are not exported
  EXPECT_EQ(Find(fams, "hotpath_http_requests_total")->type, prometheus::MetricType::Counter);
  EXPECT_EQ(Find(fams, "hotpath_http_requests_total")->help, "requests");
  EXPECT_EQ(Series(fams, "hotpath_http_requests_total",
                   {{"route", "/v1/orders/{id}"}, {"method", "GET"}, {"status", "200"}})
                ->counter.value,
            7);
  EXPECT_EQ(Series(fams, "hotpath_http_requests_total",
                   {{"route", "quote \"x\" \\ back\nslash"}, {"status", "500"}})
                ->counter.value,
            2);
  const auto* hist = Series(fams, "hotpath_http_request_duration_seconds", {{"route", "/v1/orders"}});
  ASSERT_NE(hist, nullptr);
  EXPECT_EQ(Find(fams, "hotpath_http_request_duration_seconds")->type, prometheus::MetricType::Histogram);
  EXPECT_EQ(hist->histogram.sample_count, 4u);
  EXPECT_DOUBLE_EQ(hist->histogram.sample_sum, 4.05);
  ASSERT_EQ(hist->histogram.bucket.size(), 3u);
  EXPECT_EQ(hist->histogram.bucket[0].cumulative_count, 1u);
  EXPECT_EQ(hist->histogram.bucket[1].cumulative_count, 3u);
  EXPECT_TRUE(std::isinf(hist->histogram.bucket[2].upper_bound));
  EXPECT_EQ(hist->histogram.bucket[2].cumulative_count, 4u);
  EXPECT_EQ(Series(fams, "hotpath_http_requests_in_flight")->gauge.value, -2.5);
}

TEST(MetricsText, UntypedSamplesTimestampsAndErrors) {
  auto ok = ParseMetricsText("# a comment\nup 1 1700000000000\nodd{a=\"1\",} NaN\n");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].type, prometheus::MetricType::Untyped);
  EXPECT_EQ((*ok)[0].metric[0].untyped.value, 1);
  EXPECT_TRUE(std::isnan((*ok)[1].metric[0].untyped.value));
  for (const char* bad : {"x{a=\"1} 2\n", "x 1\ny{a=1} 2\n", "# TYPE x bogus\n", "x one\n",
                          "# TYPE h histogram\nh_bucket 1\n", "# TYPE h histogram\nh 1\n"}) {
    auto r = ParseMetricsText(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("line "), std::string::npos) << r.error().message;
    }
  }
}

// What the autoscaler's own reader of /metrics accepted (before it used this parser): `le` in any
// position among the labels, bounds and counts in exponent notation, buckets in any order, CRLF ends.
TEST(MetricsText, HistogramBucketsInAnyOrderAndNotation) {
  auto fams = ParseMetricsText(
      "# TYPE d histogram\r\n"
      "d_bucket{le=\"+Inf\",route=\"/a\"} 3\r\n"
      "d_bucket{le=\"1e-03\",route=\"/a\"} 1.0e0\r\n"
      "d_bucket{route=\"/a\",le=\"2.5\"} 2\r\n"
      "d_count{route=\"/a\"} 3\r\n"
      "d_sum{route=\"/a\"} 4.5\r\n");
  ASSERT_TRUE(fams.ok()) << fams.error().message;
  const auto* h = Series(*fams, "d", {{"route", "/a"}});
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(h->histogram.bucket.size(), 3u);
  EXPECT_DOUBLE_EQ(h->histogram.bucket[0].upper_bound, 0.001);
  EXPECT_EQ(h->histogram.bucket[0].cumulative_count, 1u);
  EXPECT_DOUBLE_EQ(h->histogram.bucket[1].upper_bound, 2.5);
  EXPECT_EQ(h->histogram.bucket[1].cumulative_count, 2u);
  EXPECT_TRUE(std::isinf(h->histogram.bucket[2].upper_bound));
  EXPECT_EQ(h->histogram.bucket[2].cumulative_count, 3u);
  EXPECT_EQ(h->histogram.sample_count, 3u);
  EXPECT_DOUBLE_EQ(h->histogram.sample_sum, 4.5);
}

TEST(MetricsSum, AddsCountersAndBucketsAcrossProcessesAndGaugesByFamily) {
  Process primary, s1, s2;
  primary.Errors().Increment(1);
  s1.Errors().Increment(10);
  s2.Errors().Increment(100);
  s1.requests.Add({{"route", "/v1/zones"}, {"status", "200"}}).Increment(5);  // only on s1
  primary.Orders().Observe(0.05);
  s1.Orders().Observe(0.5);
  s2.Orders().Observe(3);
  s2.Orders().Observe(0.5);
  primary.in_flight.Add({}).Set(1);
  s1.in_flight.Add({}).Set(2);
  s2.in_flight.Add({}).Set(4);
  primary.open.Add({{"zone", "z1"}}).Set(7);  // read from the shared database by every process
  s1.open.Add({{"zone", "z1"}}).Set(7);
  s2.open.Add({{"zone", "z1"}}).Set(7);
  primary.cache_up.Add({}).Set(1);
  s1.cache_up.Add({}).Set(0);
  s2.cache_up.Add({}).Set(1);

  MetricsSum sum;
  sum.Update("s1", "11:1", s1.Scrape(), true);
  sum.Update("s2", "12:2", s2.Scrape(), true);
  auto all = sum.Sum(primary.registry.Collect());
  EXPECT_EQ(ErrorsIn(all), 111);
  EXPECT_EQ(
      Series(all, "hotpath_http_requests_total", {{"route", "/v1/zones"}, {"status", "200"}})->counter.value,
      5);
  const auto* h = Series(all, "hotpath_http_request_duration_seconds", {{"route", "/v1/orders"}});
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->histogram.sample_count, 4u);
  EXPECT_DOUBLE_EQ(h->histogram.sample_sum, 4.05);
  ASSERT_EQ(h->histogram.bucket.size(), 3u);
  EXPECT_EQ(h->histogram.bucket[0].cumulative_count, 1u);  // <= 0.1
  EXPECT_EQ(h->histogram.bucket[1].cumulative_count, 3u);  // <= 1
  EXPECT_EQ(h->histogram.bucket[2].cumulative_count, 4u);
  EXPECT_EQ(Series(all, "hotpath_http_requests_in_flight")->gauge.value, 7);        // summed
  EXPECT_EQ(Series(all, "hotpath_orders_open", {{"zone", "z1"}})->gauge.value, 7);  // the primary's
  EXPECT_EQ(Series(all, "hotpath_cache_up")->gauge.value, 0);                       // the lowest

  // A process that does not answer: its counts stay, its gauges go.
  sum.MarkDown("s2");
  all = sum.Sum(primary.registry.Collect());
  EXPECT_EQ(ErrorsIn(all), 111);
  EXPECT_EQ(Series(all, "hotpath_http_requests_in_flight")->gauge.value, 3);
  // One that left the cluster (drained by the autoscaler): its counts stay in the sum.
  sum.Remove("s2");
  all = sum.Sum(primary.registry.Collect());
  EXPECT_EQ(ErrorsIn(all), 111);
  EXPECT_EQ(
      Series(all, "hotpath_http_request_duration_seconds", {{"route", "/v1/orders"}})->histogram.sample_count,
      4u);
  ASSERT_EQ(sum.Peers().size(), 1u);
  EXPECT_EQ(sum.Peers()[0].process, "s1");
}

// The rate alarm the primary evaluates, over readings of the sum taken every 10 s.
struct RateWatch {
  AlarmDefinition alarm;
  AlarmSeries series;
  Millis now = 1'800'000'000'000;  // a multiple of 10 s
  RateWatch() {
    auto a =
        ParseAlarm(boost::json::parse(R"({"metric":"hotpath_http_requests_total","labels":{"status":"~5.."},
        "statistic":"rate","period_s":10,"threshold":5,"comparison":">","evaluation_periods":1})")
                       .as_object(),
                   "errors");
    EXPECT_TRUE(a.ok());
    alarm = *a;
  }
  // Reads the sum at the end of the next period; the period's datapoint.
  double Next(const Families& all) {
    now += 10'000;
    series.Add(now, ReadMetric(all, alarm));
    auto dp = series.At(alarm, now);
    return dp.value.value_or(-1);
  }
};

TEST(MetricsSum, ACounterResetNeverLowersTheSumNorMakesARateAlarmFire) {
  Process primary;
  auto s1 = std::make_unique<Process>();
  primary.Errors().Increment(1000);
  s1->Errors().Increment(500);
  MetricsSum sum;
  RateWatch watch;
  sum.Update("s1", "11:1", s1->Scrape(), true);
  watch.Next(sum.Sum(primary.registry.Collect()));  // the base reading

  primary.Errors().Increment(10);
  s1->Errors().Increment(20);
  sum.Update("s1", "11:1", s1->Scrape(), true);
  EXPECT_DOUBLE_EQ(watch.Next(sum.Sum(primary.registry.Collect())), 3.0);  // 30 errors in 10 s

  // s1 restarts in its slot (a new instance): its count starts again at 0 and reaches 4. Summed as
  // is, the total would fall from 1530 to 1024 and the evaluator would take 1024 as the increase
  // (rate 102.4 > 5): a false alarm. Summed with the reset handled, the period saw 10 + 4 errors.
  s1 = std::make_unique<Process>();
  primary.Errors().Increment(10);
  s1->Errors().Increment(4);
  sum.Update("s1", "15:3", s1->Scrape(), true);
  auto all = sum.Sum(primary.registry.Collect());
  EXPECT_EQ(ErrorsIn(all), 1020 + 520 + 4);
  EXPECT_DOUBLE_EQ(watch.Next(all), 1.4);
  EXPECT_FALSE(watch.alarm.Breaches(1.4));

  // A reset seen without a new instance (Prometheus' rule: a decrease is a restart from zero).
  s1->Errors().Increment(6);  // 10
  sum.Update("s1", "15:3", s1->Scrape(), true);
  watch.Next(sum.Sum(primary.registry.Collect()));
  s1 = std::make_unique<Process>();
  s1->Errors().Increment(3);
  sum.Update("s1", "15:3", s1->Scrape(), true);
  all = sum.Sum(primary.registry.Collect());
  EXPECT_EQ(ErrorsIn(all), 1020 + 520 + 10 + 3);
  EXPECT_DOUBLE_EQ(watch.Next(all), 0.3);

  // A restarted instance that counted past the old one before the next scrape: still a restart.
  s1->Errors().Increment(7);  // 10
  sum.Update("s1", "15:3", s1->Scrape(), true);
  watch.Next(sum.Sum(primary.registry.Collect()));
  s1 = std::make_unique<Process>();
  s1->Errors().Increment(12);
  sum.Update("s1", "16:4", s1->Scrape(), true);
  EXPECT_DOUBLE_EQ(watch.Next(sum.Sum(primary.registry.Collect())), 1.2);

  // Real trouble on s1 alone still fires: 80 errors in 10 s.
  s1->Errors().Increment(80);
  sum.Update("s1", "16:4", s1->Scrape(), true);
  const double burst = watch.Next(sum.Sum(primary.registry.Collect()));
  EXPECT_DOUBLE_EQ(burst, 8.0);
  EXPECT_TRUE(watch.alarm.Breaches(burst));
}

TEST(MetricsSum, AHistogramResetIsHandledAsAWhole) {
  Process primary;
  auto s1 = std::make_unique<Process>();
  for (int i = 0; i < 50; ++i) s1->Orders().Observe(0.05);
  MetricsSum sum;
  sum.Update("s1", "11:1", s1->Scrape(), true);
  s1 = std::make_unique<Process>();
  s1->Orders().Observe(3);
  s1->Orders().Observe(0.5);
  sum.Update("s1", "11:1", s1->Scrape(), true);  // count 50 -> 2: a reset
  auto all = sum.Sum(primary.registry.Collect());
  const auto* h = Series(all, "hotpath_http_request_duration_seconds", {{"route", "/v1/orders"}});
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->histogram.sample_count, 52u);
  EXPECT_EQ(h->histogram.bucket[0].cumulative_count, 50u);
  EXPECT_EQ(h->histogram.bucket[1].cumulative_count, 51u);
  EXPECT_EQ(h->histogram.bucket[2].cumulative_count, 52u);
}

TEST(MetricsSum, AProcessAlreadyRunningWhenFirstSeenCountsFromItsFirstReading) {
  Process primary, old_one;
  old_one.Errors().Increment(900);  // counted before this primary started
  primary.Errors();                 // the primary's own series, still at 0
  MetricsSum sum;
  RateWatch watch;
  watch.Next(sum.Sum(primary.registry.Collect()));  // its scrape failed at first: not in the base
  sum.Update("s1", "11:1", old_one.Scrape(), false);
  EXPECT_EQ(ErrorsIn(sum.Sum(primary.registry.Collect())), 0);
  EXPECT_DOUBLE_EQ(watch.Next(sum.Sum(primary.registry.Collect())), 0.0);  // no burst of 900
  old_one.Errors().Increment(5);
  old_one.requests.Add({{"route", "/v1/zones"}, {"status", "500"}}).Increment(2);  // a new series: all new
  sum.Update("s1", "11:1", old_one.Scrape(), false);
  EXPECT_DOUBLE_EQ(watch.Next(sum.Sum(primary.registry.Collect())), 0.7);
  // A process the autoscaler adds counts from zero: everything it counted is new.
  Process added;
  added.Errors().Increment(30);
  sum.Update("s2", "12:2", added.Scrape(), true);
  EXPECT_DOUBLE_EQ(watch.Next(sum.Sum(primary.registry.Collect())), 3.0);
}

}  // namespace
}  // namespace hotpath::ops
