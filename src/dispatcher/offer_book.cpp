#include "dispatcher/offer_book.h"

#include <fmt/format.h>

namespace hotpath::dispatcher {

std::string_view OfferStatusName(OfferStatus s) {
  switch (s) {
    case OfferStatus::kPending:
      return "pending";
    case OfferStatus::kAccepted:
      return "accepted";
    case OfferStatus::kDeclined:
      return "declined";
    case OfferStatus::kExpired:
      return "expired";
    case OfferStatus::kWithdrawn:
      return "withdrawn";
  }
  return "pending";
}

Offer OfferBook::Add(Offer offer) {
  offer.id = NewId("off");
  offer.status = OfferStatus::kPending;
  std::lock_guard lock(mu_);
  offers_[offer.id] = offer;
  return offer;
}

Result<Offer*> OfferBook::Find(const std::string& id, const std::string& rider_id, Millis now) {
  auto it = offers_.find(id);
  if (it == offers_.end()) return Error::NotFound(fmt::format("no offer with id '{}'", id));
  Offer& o = it->second;
  if (o.rider_id != rider_id) return Error::Forbidden("this offer was made to another rider");
  if (o.status == OfferStatus::kPending && now >= o.expires_at) {
    o.status = OfferStatus::kExpired;
    o.decided_at = now;
    cooldown_until_[o.rider_id] = now + cooldown_;
  }
  if (o.status != OfferStatus::kPending) {
    Error e = Error::Conflict(fmt::format("this offer is {}", OfferStatusName(o.status)));
    e.extras.emplace_back("offer_status", fmt::format("\"{}\"", OfferStatusName(o.status)));
    return e;
  }
  return &o;
}

Result<Offer> OfferBook::Take(const std::string& id, const std::string& rider_id, Millis now) {
  std::lock_guard lock(mu_);
  HP_ASSIGN(Offer * o, Find(id, rider_id, now));
  o->status = OfferStatus::kAccepted;
  o->decided_at = now;
  o->assigning = true;
  return *o;
}

void OfferBook::Confirm(const std::string& id) {
  std::lock_guard lock(mu_);
  if (auto it = offers_.find(id); it != offers_.end()) it->second.assigning = false;
}

void OfferBook::Withdraw(const std::string& id, Millis now) {
  std::lock_guard lock(mu_);
  if (auto it = offers_.find(id); it != offers_.end()) {
    it->second.status = OfferStatus::kWithdrawn;
    it->second.decided_at = now;
    it->second.assigning = false;
  }
}

Result<Offer> OfferBook::Decline(const std::string& id, const std::string& rider_id, Millis now) {
  std::lock_guard lock(mu_);
  HP_ASSIGN(Offer * o, Find(id, rider_id, now));
  o->status = OfferStatus::kDeclined;
  o->decided_at = now;
  cooldown_until_[rider_id] = now + cooldown_;
  return *o;
}

std::vector<Offer> OfferBook::ExpireDue(Millis now) {
  std::vector<Offer> out;
  std::lock_guard lock(mu_);
  for (auto it = offers_.begin(); it != offers_.end();) {
    Offer& o = it->second;
    if (o.status == OfferStatus::kPending && now >= o.expires_at) {
      o.status = OfferStatus::kExpired;
      o.decided_at = now;
      cooldown_until_[o.rider_id] = now + cooldown_;
      out.push_back(o);
    }
    if (o.status != OfferStatus::kPending && !o.assigning && now - o.decided_at > keep_decided_) {
      it = offers_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(cooldown_until_, [now](const auto& kv) { return kv.second <= now; });
  return out;
}

std::vector<Offer> OfferBook::PendingFor(const std::string& rider_id) const {
  std::vector<Offer> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, o] : offers_) {
    if (o.status == OfferStatus::kPending && o.rider_id == rider_id) out.push_back(o);
  }
  return out;
}

std::vector<Offer> OfferBook::PendingInZone(const std::string& zone_id) const {
  std::vector<Offer> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, o] : offers_) {
    if (o.status == OfferStatus::kPending && o.zone_id == zone_id) out.push_back(o);
  }
  return out;
}

std::set<std::string> OfferBook::BusyRiders(Millis now) const {
  std::set<std::string> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, o] : offers_) {
    if (o.status == OfferStatus::kPending || o.assigning) out.insert(o.rider_id);
  }
  for (const auto& [rider, until] : cooldown_until_) {
    if (until > now) out.insert(rider);
  }
  return out;
}

std::set<std::string> OfferBook::OrdersOnOffer() const {
  std::set<std::string> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, o] : offers_) {
    if (o.status == OfferStatus::kPending || o.assigning) out.insert(o.order_ids.begin(), o.order_ids.end());
  }
  return out;
}

}  // namespace hotpath::dispatcher
