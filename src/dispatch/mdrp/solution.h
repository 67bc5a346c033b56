#pragma once
// An MDRP solution in the instance library's evaluator format, and its writer.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dispatch/mdrp/instance.h"

namespace hotpath::dispatch::mdrp {

// A courier's location key in the couriers file: "0" (on-location), a restaurant id or an order id.
struct Place {
  enum class Kind { kOnLocation, kRestaurant, kOrder };
  Kind kind = Kind::kOnLocation;
  int index = 0;
};

struct AssignmentRecord {
  TimePoint assigned = 0;
  TimePoint pickup = 0;
  int courier = 0;
  std::vector<int> orders;  // drop-off sequence
};

struct DeliveryRecord {
  int order = 0;
  TimePoint pickup = 0;
  TimePoint dropoff = 0;
  int courier = 0;
};

struct MoveRecord {
  int courier = 0;
  TimePoint depart = 0;
  Place origin;
  Place destination;
};

struct Solution {
  std::vector<AssignmentRecord> assignments;
  std::vector<DeliveryRecord> deliveries;
  std::vector<MoveRecord> moves;  // in execution order per courier
};

inline constexpr const char* kAssignmentsFile = "solution_info_assignments.txt";
inline constexpr const char* kOrdersFile = "solution_info_orders.txt";
inline constexpr const char* kCouriersFile = "solution_info_couriers.txt";

// Minutes with no trailing zeros ("12", "12.5").
[[nodiscard]] std::string FormatMinutes(TimePoint seconds);

// Writes the three files into `dir` (created if needed). Returns an error message on failure.
[[nodiscard]] std::optional<std::string> WriteSolution(const Instance& instance, const Solution& solution,
                                                       const std::filesystem::path& dir);

}  // namespace hotpath::dispatch::mdrp
