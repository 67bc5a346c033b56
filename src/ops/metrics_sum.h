#pragma once
// The metrics of a whole cluster as one set of families: this process's registry plus the last
// readings of the other processes (scraped from their /metrics by cluster/peer_metrics.h). The
// primary of `hotpath cluster` evaluates its alarms and builds the console's platform view on it
// (docs/cluster.md, "What the primary's alarms see"). Pure and not thread-safe: the caller locks.
//
// Series with the same family name and labels are merged across processes:
//   counters, histograms  summed (a histogram's count, sum and cumulative buckets, bucket by bound).
//                         Each process's values are made monotonic first, per series, the way
//                         Prometheus' rate() treats a counter reset: a value below the previous
//                         reading means the process restarted its count, so the previous reading is
//                         kept as an offset and the new value counts as the increase since. A
//                         histogram resets as a whole when its count or any bucket goes down. A
//                         new instance of a process (it was restarted: Update with another
//                         `instance`) retires the old one the same way, even when the new instance
//                         already counted past the old one's values. A process that left the
//                         cluster (Remove) or does not answer (MarkDown) keeps its last counts in
//                         the sum. So the summed counters never go down and a rate over them is
//                         never negative and never jumps when a process restarts, is added or leaves.
//   gauges                by family (GaugeSumOf): summed for per-process load (requests in flight,
//                         open streams, tracking watchers), the lowest value for hotpath_cache_up
//                         (0 when any process lost the cache), else this process's own value (figures
//                         every process reads from the shared database, or that only the primary
//                         keeps: open orders, riders online, function lag, alarm states...). A
//                         process that does not answer contributes no gauge.
// A process seen for the first time with from_zero = false (it was already running, e.g. when the
// primary itself restarted) contributes its increases after that first reading only, so a late
// first scrape never shows up as a burst.

#include <prometheus/metric_family.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotpath::ops {

enum class GaugeSum { kThisProcess, kSum, kMin };
GaugeSum GaugeSumOf(std::string_view family);

class MetricsSum {
 public:
  // A reading of `process` (a stable name such as the cluster slot "s1") whose running instance is
  // `instance` (another value than before: the process was restarted).
  void Update(const std::string& process, const std::string& instance,
              const std::vector<prometheus::MetricFamily>& families, bool from_zero);
  // `process` did not answer: its gauges are left out, its counts stay as last read.
  void MarkDown(const std::string& process);
  // `process` left the cluster: its counts stay in the sum as last read.
  void Remove(const std::string& process);
  // `own` (this process's families) with every other process added in.
  [[nodiscard]] std::vector<prometheus::MetricFamily> Sum(std::vector<prometheus::MetricFamily> own) const;

  struct PeerState {
    std::string process;
    std::string instance;
    bool up = false;
  };
  [[nodiscard]] std::vector<PeerState> Peers() const;

  // counter: {value}; histogram: {count, sum, cumulative count per bound...}
  struct Values {
    std::vector<double> bounds;  // histogram bucket bounds, ascending (+Inf last)
    std::vector<double> v;
  };

 private:
  using Labels = std::vector<prometheus::ClientMetric::Label>;
  using Key = std::pair<std::string, Labels>;  // family name, sorted labels
  struct Tracked {
    Values last;    // the latest reading
    Values offset;  // added to it: counts before resets, minus a baseline
  };
  struct Process {
    std::string instance;
    bool up = false;
    std::map<Key, Tracked> series;  // counters and histograms
    std::map<Key, double> gauges;   // of the latest reading, while up
  };
  void Retire(Process& p);

  std::map<std::string, Process> processes_;
  std::map<Key, Values> retired_;  // counts of instances that are gone, summed
  std::map<std::string, std::pair<prometheus::MetricType, std::string>> families_;  // type, help
};

}  // namespace hotpath::ops
