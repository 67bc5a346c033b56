#pragma once
// Offers of the live dispatcher: a bundle of orders proposed to one rider, pending until the rider
// accepts or declines it or it expires. In memory only: an offer lost in a restart is just an
// order that waits for the next epoch (orders and assignments are durable in the database).
// Thread-safe; every method takes `now` so tests drive time.

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace hotpath::dispatcher {

enum class OfferStatus { kPending, kAccepted, kDeclined, kExpired, kWithdrawn };
std::string_view OfferStatusName(OfferStatus s);

struct Offer {
  std::string id;
  std::string rider_id;
  std::string zone_id;
  std::string restaurant_id;
  std::vector<std::string> order_ids;  // drop-off sequence
  Millis created_at = 0;
  Millis expires_at = 0;
  Millis pickup_at = 0;  // planned pickup
  std::vector<Millis> dropoff_at;
  std::string reason;  // why the engine chose this bundle for this rider
  OfferStatus status = OfferStatus::kPending;
  Millis decided_at = 0;
  bool assigning = false;  // taken, its assignment not yet written
};

class OfferBook {
 public:
  // `cooldown`: after a decline or an expiry the rider gets no offer for this long.
  // `keep_decided`: decided offers are remembered this long (a late answer gets 409, not 404).
  OfferBook(Millis cooldown, Millis keep_decided) : cooldown_(cooldown), keep_decided_(keep_decided) {}

  // Stores a pending offer (its id is set here) and returns it.
  Offer Add(Offer offer);
  // kNotFound, kForbidden (another rider's), kConflict (already decided or expired; the problem
  // carries `offer_status`). On success the offer is no longer pending: kAccepted.
  Result<Offer> Take(const std::string& id, const std::string& rider_id, Millis now);
  // Until Confirm or Withdraw, a taken offer still holds its rider and orders (BusyRiders,
  // OrdersOnOffer): the assignment is being written and an epoch must not offer them again.
  void Confirm(const std::string& id);
  // The rider's assignment failed after Take (an order changed meanwhile): kWithdrawn.
  void Withdraw(const std::string& id, Millis now);
  Result<Offer> Decline(const std::string& id, const std::string& rider_id, Millis now);
  // Pending offers past their expiry become kExpired (returned); old decided offers are forgotten.
  std::vector<Offer> ExpireDue(Millis now);

  [[nodiscard]] std::vector<Offer> PendingFor(const std::string& rider_id) const;
  [[nodiscard]] std::vector<Offer> PendingInZone(const std::string& zone_id) const;
  // Riders that must not get a new offer now (one pending, or in cooldown) and orders on offer.
  [[nodiscard]] std::set<std::string> BusyRiders(Millis now) const;
  [[nodiscard]] std::set<std::string> OrdersOnOffer() const;

 private:
  Result<Offer*> Find(const std::string& id, const std::string& rider_id, Millis now);  // requires mu_
  Millis cooldown_;
  Millis keep_decided_;
  mutable std::mutex mu_;
  std::map<std::string, Offer> offers_;           // guarded by mu_
  std::map<std::string, Millis> cooldown_until_;  // guarded by mu_: rider -> until
};

}  // namespace hotpath::dispatcher
