#pragma once
// Intra-route node relocation: moves single customers (a pickup or a delivery, precedence kept)
// to a better position in their own route until no move shortens it. Complements the ALNS,
// whose insertion operators never reorder the nodes already in a route.

#include "dispatch/pdptw/plan.h"

namespace hotpath::dispatch::pdptw {

// Improves route r in place; returns true when it got shorter. The route stays feasible.
bool RelocateWithinRoute(Plan& plan, int r);

// Applies RelocateWithinRoute to every route; returns true when any improved.
bool RelocateWithinRoutes(Plan& plan);

}  // namespace hotpath::dispatch::pdptw
