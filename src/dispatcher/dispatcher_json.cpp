#include "dispatcher/dispatcher_json.h"

#include <boost/json/array.hpp>

#include "core/json.h"

namespace hotpath::dispatcher {
namespace bj = boost::json;

namespace {
bj::array Strings(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
bj::array Times(const std::vector<Millis>& v) {
  bj::array a;
  for (auto t : v) a.emplace_back(json::FormatTime(t));
  return a;
}
bj::object BundleJson(const PlannedBundle& b) {
  bj::object o{{"rider_id", b.rider_id},
               {"restaurant_id", b.restaurant_id},
               {"order_ids", Strings(b.order_ids)},
               {"depart_at", json::FormatTime(b.depart_at)},
               {"pickup_at", json::FormatTime(b.pickup_at)},
               {"dropoff_at", Times(b.dropoff_at)},
               {"cost", b.cost},
               {"reason", b.reason}};
  if (!b.offer_id.empty()) o["offer_id"] = b.offer_id;
  return o;
}
}  // namespace

bj::object OfferJson(const Offer& offer) {
  return {{"id", offer.id},
          {"status", OfferStatusName(offer.status)},
          {"rider_id", offer.rider_id},
          {"zone_id", offer.zone_id},
          {"restaurant_id", offer.restaurant_id},
          {"order_ids", Strings(offer.order_ids)},
          {"created_at", json::FormatTime(offer.created_at)},
          {"expires_at", json::FormatTime(offer.expires_at)},
          {"pickup_at", json::FormatTime(offer.pickup_at)},
          {"dropoff_at", Times(offer.dropoff_at)},
          {"reason", offer.reason}};
}

bj::object PlanJson(const ZonePlan& plan, const std::vector<Offer>& pending, std::string_view mode) {
  bj::array committed;
  for (const auto& b : plan.committed) committed.push_back(BundleJson(b));
  bj::array tentative;
  for (const auto& b : plan.tentative) tentative.push_back(BundleJson(b));
  bj::array postponed;
  for (const auto& [order, reason] : plan.postponed) postponed.push_back(bj::object{{"order_id", order}, {"reason", reason}});
  bj::array offers;
  for (const auto& o : pending) offers.push_back(OfferJson(o));
  return {{"zone_id", plan.zone_id},
          {"mode", mode},
          {"computed_at", plan.computed_at ? bj::value(json::FormatTime(plan.computed_at)) : bj::value(nullptr)},
          {"waiting_orders", plan.orders},
          {"idle_riders", plan.riders},
          {"stats", bj::object{{"bundles", plan.stats.bundles},
                               {"candidate_edges", plan.stats.candidate_edges},
                               {"merges", plan.stats.merges},
                               {"deadline_hit", plan.stats.deadline_hit},
                               {"scarcity", plan.stats.scarcity},
                               {"elapsed_ms", plan.stats.elapsed_ms}}},
          {"committed", std::move(committed)},
          {"tentative", std::move(tentative)},
          {"postponed", std::move(postponed)},
          {"pending_offers", std::move(offers)}};
}

}  // namespace hotpath::dispatcher
