#include "orders/state_machine.h"

#include <fmt/format.h>

#include <array>

namespace hotpath::orders {
namespace {

struct Rule {
  OrderStatus from;
  Action action;
  Actor actor;
  OrderStatus to;
};

constexpr std::array kRules = {
    Rule{OrderStatus::kPlaced, Action::kAccept, Actor::kRestaurant, OrderStatus::kAccepted},
    Rule{OrderStatus::kPlaced, Action::kAccept, Actor::kAdmin, OrderStatus::kAccepted},
    Rule{OrderStatus::kPlaced, Action::kReject, Actor::kRestaurant, OrderStatus::kRejected},
    Rule{OrderStatus::kPlaced, Action::kReject, Actor::kAdmin, OrderStatus::kRejected},
    Rule{OrderStatus::kAccepted, Action::kReady, Actor::kRestaurant, OrderStatus::kReady},
    Rule{OrderStatus::kAccepted, Action::kReady, Actor::kAdmin, OrderStatus::kReady},
    Rule{OrderStatus::kReady, Action::kPickup, Actor::kRider, OrderStatus::kPickedUp},
    Rule{OrderStatus::kPickedUp, Action::kDeliver, Actor::kRider, OrderStatus::kDelivered},
    Rule{OrderStatus::kPlaced, Action::kCancel, Actor::kCustomer, OrderStatus::kCancelled},
    Rule{OrderStatus::kPlaced, Action::kCancel, Actor::kRestaurant, OrderStatus::kCancelled},
    Rule{OrderStatus::kPlaced, Action::kCancel, Actor::kAdmin, OrderStatus::kCancelled},
    Rule{OrderStatus::kAccepted, Action::kCancel, Actor::kRestaurant, OrderStatus::kCancelled},
    Rule{OrderStatus::kAccepted, Action::kCancel, Actor::kAdmin, OrderStatus::kCancelled},
    Rule{OrderStatus::kReady, Action::kCancel, Actor::kRestaurant, OrderStatus::kCancelled},
    Rule{OrderStatus::kReady, Action::kCancel, Actor::kAdmin, OrderStatus::kCancelled},
    Rule{OrderStatus::kPickedUp, Action::kCancel, Actor::kAdmin, OrderStatus::kCancelled},
};

}  // namespace

std::string_view StatusName(OrderStatus s) {
  switch (s) {
    case OrderStatus::kPlaced:
      return "placed";
    case OrderStatus::kAccepted:
      return "accepted";
    case OrderStatus::kReady:
      return "ready";
    case OrderStatus::kPickedUp:
      return "picked_up";
    case OrderStatus::kDelivered:
      return "delivered";
    case OrderStatus::kRejected:
      return "rejected";
    case OrderStatus::kCancelled:
      return "cancelled";
  }
  return "placed";
}

std::optional<OrderStatus> ParseStatus(std::string_view s) {
  for (auto st : {OrderStatus::kPlaced, OrderStatus::kAccepted, OrderStatus::kReady, OrderStatus::kPickedUp,
                  OrderStatus::kDelivered, OrderStatus::kRejected, OrderStatus::kCancelled}) {
    if (StatusName(st) == s) return st;
  }
  return std::nullopt;
}

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kAccept:
      return "accept";
    case Action::kReject:
      return "reject";
    case Action::kReady:
      return "ready";
    case Action::kPickup:
      return "pickup";
    case Action::kDeliver:
      return "deliver";
    case Action::kCancel:
      return "cancel";
  }
  return "accept";
}

std::string_view ActorName(Actor a) {
  switch (a) {
    case Actor::kCustomer:
      return "customer";
    case Actor::kRestaurant:
      return "restaurant";
    case Actor::kRider:
      return "rider";
    case Actor::kAdmin:
      return "admin";
    case Actor::kSystem:
      return "system";
  }
  return "system";
}

bool IsFinal(OrderStatus s) {
  return s == OrderStatus::kDelivered || s == OrderStatus::kRejected || s == OrderStatus::kCancelled;
}

Result<OrderStatus> Transition(OrderStatus from, Action action, Actor actor) {
  bool actor_ever_allowed = false;
  for (const auto& r : kRules) {
    if (r.action != action || r.actor != actor) continue;
    actor_ever_allowed = true;
    if (r.from == from) return r.to;
  }
  if (!actor_ever_allowed) {
    return Error::Forbidden(fmt::format("a {} may not {} an order", ActorName(actor), ActionName(action)));
  }
  Error e =
      Error::Conflict(fmt::format("cannot {} an order that is {}", ActionName(action), StatusName(from)));
  e.extras.emplace_back("current_status", fmt::format("\"{}\"", StatusName(from)));
  return e;
}

}  // namespace hotpath::orders
