#pragma once
// JSON shapes of offers and plans, shared by the HTTP routes and the WebSocket messages.

#include <boost/json/object.hpp>
#include <vector>

#include "dispatcher/live_dispatcher.h"
#include "dispatcher/offer_book.h"

namespace hotpath::dispatcher {

boost::json::object OfferJson(const Offer& offer);
boost::json::object PlanJson(const ZonePlan& plan, const std::vector<Offer>& pending, std::string_view mode);

}  // namespace hotpath::dispatcher
