#pragma once
// What a simulation run did, as counted by the simulator itself, and how it is printed.

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

namespace hotpath::simulate {

struct Summary {
  std::string mode;       // "curve" or "mdrp"
  std::string instance;   // MDRP instance name
  double speedup = 1;
  double real_seconds = 0;
  double sim_minutes = 0;
  int customers = 0, restaurants = 0, riders = 0;
  int placed = 0, delivered = 0, cancelled = 0, rejected = 0, declined = 0;
  int cancelled_at_stop = 0;  // of `cancelled`: still open when the run stopped
  int placed_on_quote = 0;    // of `placed`: with the quote's quote_id, charged the quoted fee
  int offers_accepted = 0;
  long fixes_sent = 0;
  std::vector<double> click_to_door_min;    // simulated minutes, placement to delivery
  std::map<std::string, int> errors;        // kind -> count
  std::map<std::string, std::string> error_samples;  // kind -> the first answer of that kind
  std::string stopped_because;              // "duration", "end of instance", "interrupted", ...
  [[nodiscard]] int open() const { return placed - delivered - cancelled - rejected; }
};

double Mean(const std::vector<double>& v);
// Nearest-rank percentile (q in (0, 1]); 0 for an empty list.
double Percentile(std::vector<double> v, double q);

boost::json::object SummaryJson(const Summary& s);
std::string SummaryText(const Summary& s);
// One progress line: "sim 12:41 | placed 31 delivered 20 open 11 | riders 30 | errors 0".
std::string ProgressLine(const Summary& s, double sim_clock_s);
std::string ClockText(double sim_clock_s);  // "12:41" (day 0), "d1 00:15" after midnight

}  // namespace hotpath::simulate
