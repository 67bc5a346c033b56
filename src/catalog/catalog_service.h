#pragma once
// Zones, restaurants and menus. Menus are read far more than written: the serialised menu of a
// restaurant is cached in memory and dropped on every item change, so a read after an edit never
// sees the old menu. With a shared cache (Redis, SetSharedCache) menus and restaurant lists are
// cached there instead, under versions that every edit bumps after its commit, so every process
// sees an edit as soon as it has returned (edits mark the menu before their commit and end the mark
// after it; menus are also kept near, confirmed by a shared version read: docs/cache.md); their fills then read the primary, never a replica that
// may not have replayed another process's edit yet.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/versioned_cache.h"
#include "core/clock.h"
#include "core/geo.h"
#include "core/result.h"
#include "identity/principal.h"
#include "storage/database.h"

namespace hotpath::catalog {

struct Zone {
  std::string id;
  std::string name;
  std::vector<geo::Point> polygon;
  Millis created_at = 0;
};

struct Restaurant {
  std::string id;
  std::string name;
  geo::Point location;
  std::string zone_id;  // empty when outside every zone
  Millis created_at = 0;
};

struct MenuItem {
  std::string id;
  std::string restaurant_id;
  std::string name;
  std::int64_t price = 0;  // minor units
  std::string currency;
  bool available = true;
  Millis updated_at = 0;
};

struct NearbyPage {
  std::vector<std::pair<Restaurant, double>> items;  // with distance in metres, nearest first
  std::optional<std::string> next_cursor;
};

struct ItemPatch {
  std::optional<std::string> name;
  std::optional<std::int64_t> price;
  std::optional<bool> available;
};

class CatalogService {
 public:
  CatalogService(storage::Database& db, const Clock& clock, std::string currency);
  // Other processes write the same database (`hotpath cluster`): cached zones and menus are
  // reloaded once older than `ttl` (their edits cannot invalidate this process's cache). Set
  // before serving; 0 (the default) caches until a local edit.
  void SetCacheTtl(Millis ttl) { cache_ttl_ms_ = ttl; }
  // Menus and restaurant lists through a cache shared by every process (null: in-process as
  // above). Set before serving; it must outlive the service.
  void SetSharedCache(cache::VersionedCache* shared) { shared_ = shared; }
  [[nodiscard]] bool HasSharedCache() const { return shared_ != nullptr; }

  Result<Zone> CreateZone(const identity::Principal& actor, std::string name,
                          std::vector<geo::Point> polygon);
  Result<std::vector<Zone>> ListZones();
  // The zone containing the point, if any (first created wins on overlap).
  std::optional<std::string> ZoneAt(geo::Point p);

  Result<Restaurant> CreateRestaurant(const identity::Principal& actor, std::string name, geo::Point location,
                                      std::optional<std::string> zone_id);
  Result<Restaurant> GetRestaurant(const std::string& id);
  bool RestaurantExists(const std::string& id) { return GetRestaurant(id).ok(); }
  Result<NearbyPage> Nearby(geo::Point center, double radius_m, int limit, const std::string& cursor);
  // The page as served ({"items":[..],"next_cursor":..}), cached in the shared cache when there is one.
  Result<std::string> NearbyJson(geo::Point center, double radius_m, int limit, const std::string& cursor);

  Result<MenuItem> AddItem(const identity::Principal& actor, const std::string& restaurant_id,
                           std::string name, std::int64_t price, bool available);
  Result<MenuItem> PatchItem(const identity::Principal& actor, const std::string& restaurant_id,
                             const std::string& item_id, const ItemPatch& patch);
  Result<std::vector<MenuItem>> Menu(const std::string& restaurant_id);
  // The menu as serialised JSON ({"restaurant_id":..,"items":[..]}), cached.
  Result<std::string> MenuJson(const std::string& restaurant_id);
  // With a shared cache: the menu kept in this process as well, with its version (ETag material;
  // empty when served without one). PeekMenu never waits and may be stale: serve it only after
  // RevalidateMenu said fresh (one round trip shared by concurrent readers), else use MenuNear.
  using NearMenu = cache::VersionedCache::NearPtr;
  NearMenu PeekMenu(const std::string& restaurant_id) const;
  void RevalidateMenu(NearMenu menu, std::function<void(bool fresh)> done);
  Result<NearMenu> MenuNear(const std::string& restaurant_id);

  [[nodiscard]] const std::string& currency() const { return currency_; }

 private:
  Status CanEditMenu(const identity::Principal& actor, const std::string& restaurant_id);
  void LoadZones();
  storage::Database& db_;
  const Clock& clock_;
  std::string currency_;
  std::mutex mu_;
  std::vector<Zone> zones_;  // guarded by mu_: small, read on every lookup
  struct CachedMenu {
    std::vector<MenuItem> items;
    std::string json;
    Millis loaded_at = 0;
  };
  [[nodiscard]] bool Stale(Millis loaded_at) const {
    return cache_ttl_ms_ > 0 && clock_.NowMillis() - loaded_at >= cache_ttl_ms_;
  }
  void RefreshZonesIfStale();
  Millis cache_ttl_ms_ = 0;
  Millis zones_loaded_at_ = 0;  // guarded by mu_
  // The menu of a restaurant from the cache, loading and caching it on a miss.
  Result<std::shared_ptr<const CachedMenu>> LoadMenu(const std::string& restaurant_id);
  std::unordered_map<std::string, std::shared_ptr<const CachedMenu>> menu_cache_;  // guarded by mu_
  // Restaurants never change once created (no update endpoint yet), so hits are cached for good.
  std::unordered_map<std::string, Restaurant> restaurant_cache_;    // guarded by mu_
  std::unordered_map<std::string, std::uint64_t> menu_generation_;  // guarded by mu_; bumped on edit
  // A menu edit: marked in the shared cache before its commit, dropped and bumped after it.
  std::string BeginMenuChange(const std::string& restaurant_id);
  void InvalidateMenu(const std::string& restaurant_id, const std::string& change);
  Result<std::vector<MenuItem>> ReadMenu(const std::string& restaurant_id, storage::ReadFrom from);
  cache::VersionedCache* shared_ = nullptr;
};

}  // namespace hotpath::catalog
