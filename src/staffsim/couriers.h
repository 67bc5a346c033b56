#pragma once
// A day's couriers from a shift plan, and the MDRP instance files that carry them (so the external
// checker can verify a replay of the planned day).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dispatch/mdrp/instance.h"
#include "forecast/staffing.h"

namespace hotpath::staffsim {

// Where generated couriers start their shift: drawn from the on-locations of the day's published
// schedule (where couriers historically start), or from the restaurants' locations.
enum class StartPositions { kScheduleOnLocations, kRestaurants };

// The candidate start points (in file order); empty if the day has none of that kind.
std::vector<dispatch::Point> StartPool(const dispatch::mdrp::Instance& day, StartPositions from);

// One courier per planned courier-shift: on = shift start, off = start + length (hour h of the plan is
// h hours after the instance's time 0), ids "p1", "p2", ... in shift order, each position drawn
// uniformly from `pool` with a std::mt19937_64 seeded by `seed` (the standard fixes its sequence, so
// the couriers are the same on every platform). Precondition: `pool` is not empty.
std::vector<dispatch::mdrp::Courier> CouriersFromPlan(const forecast::ShiftPlan& plan,
                                                      const std::vector<dispatch::Point>& pool,
                                                      std::uint64_t seed);

// Courier-hours of a schedule.
double CourierHours(const std::vector<dispatch::mdrp::Courier>& couriers);

// Writes restaurants.txt, orders.txt, couriers.txt and instance_parameters.txt (tab-separated, minutes)
// so that LoadInstance(dir) gives back `day`. Returns an error message on failure.
std::optional<std::string> WriteInstance(const dispatch::mdrp::Instance& day,
                                         const std::filesystem::path& dir);

}  // namespace hotpath::staffsim
