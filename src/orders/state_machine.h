#pragma once
// The order lifecycle as a table: which actor may take which action from which status. Pure.
//
//   placed --accept(restaurant)--> accepted --ready(restaurant)--> ready --pickup(rider)--> picked_up
//   picked_up --deliver(rider)--> delivered
//   placed --reject(restaurant)--> rejected
//   placed --cancel(customer|restaurant|admin)--> cancelled
//   accepted|ready --cancel(restaurant|admin)--> cancelled;  picked_up --cancel(admin)--> cancelled
// delivered, rejected and cancelled are final.

#include <optional>
#include <string_view>

#include "core/result.h"

namespace hotpath::orders {

enum class OrderStatus { kPlaced, kAccepted, kReady, kPickedUp, kDelivered, kRejected, kCancelled };
enum class Action { kAccept, kReject, kReady, kPickup, kDeliver, kCancel };
enum class Actor { kCustomer, kRestaurant, kRider, kAdmin, kSystem };

std::string_view StatusName(OrderStatus s);
std::optional<OrderStatus> ParseStatus(std::string_view s);
std::string_view ActionName(Action a);
std::string_view ActorName(Actor a);
bool IsFinal(OrderStatus s);

// The next status, or kConflict naming the current status when the move is not allowed for this
// actor (kForbidden when the actor may never take this action).
Result<OrderStatus> Transition(OrderStatus from, Action action, Actor actor);

}  // namespace hotpath::orders
