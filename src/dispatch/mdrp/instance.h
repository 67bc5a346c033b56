#pragma once
// MDRP instance (Reyes et al., Grubhub public instances): four whitespace- or comma-separated text files
// with one header line each. Times in the files are minutes; they are held here in Seconds.

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "dispatch/types.h"

namespace hotpath::dispatch::mdrp {

struct Restaurant {
  std::string id;
  Point location;
};

struct Order {
  std::string id;
  Point dropoff;
  TimePoint placed = 0;
  int restaurant = 0;  // index into Instance::restaurants
  TimePoint ready = 0;
};

struct Courier {
  std::string id;
  Point start;  // on-location
  TimePoint on = 0;
  TimePoint off = 0;
};

struct Parameters {
  double metres_per_minute = 0;
  Seconds pickup_service = 0;
  Seconds dropoff_service = 0;
  Seconds target_click_to_door = 0;
  Seconds max_click_to_door = 0;
  double pay_per_order = 0;
  double pay_per_hour = 0;
};

struct Instance {
  std::string name;
  std::vector<Restaurant> restaurants;
  std::vector<Order> orders;
  std::vector<Courier> couriers;
  Parameters parameters;
};

// A malformed input: which file, which line (1-based; 0 when the file itself is missing), and why.
struct LoadError {
  std::string file;
  int line = 0;
  std::string message;
  [[nodiscard]] std::string ToString() const;
};

using LoadResult = std::variant<Instance, LoadError>;

// Reads restaurants.txt, orders.txt, couriers.txt and instance_parameters.txt from `dir`.
// Rejects missing files, wrong field counts, non-numeric or negative values, duplicate ids, unknown
// restaurants, couriers whose off-time is not after their on-time, and a non-positive speed.
[[nodiscard]] LoadResult LoadInstance(const std::filesystem::path& dir);

}  // namespace hotpath::dispatch::mdrp
