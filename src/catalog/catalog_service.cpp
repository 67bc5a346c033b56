#include "catalog/catalog_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "catalog/json.h"

namespace hotpath::catalog {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;
using storage::Connection;
using storage::Row;

namespace {
std::string PolygonText(const std::vector<geo::Point>& poly) {
  bj::array a;
  for (const auto& p : poly) a.push_back(bj::array{p.lat, p.lon});
  return bj::serialize(a);
}
std::vector<geo::Point> ParsePolygon(const std::string& text) {
  std::vector<geo::Point> out;
  auto v = bj::parse(text);
  for (const auto& p : v.as_array())
    out.push_back({p.as_array()[0].to_number<double>(), p.as_array()[1].to_number<double>()});
  return out;
}
Restaurant RestaurantFromRow(const Row& r) {
  return Restaurant{r.Text(0), r.Text(1), {r.Double(2), r.Double(3)}, r.OptText(4).value_or(""), r.Int(5)};
}
MenuItem ItemFromRow(const Row& r) {
  return MenuItem{r.Text(0), r.Text(1), r.Text(2), r.Int(3), r.Text(4), r.Int(5) != 0, r.Int(6)};
}
constexpr const char* kRestaurantCols = "id, name, lat, lon, zone_id, created_at";
constexpr const char* kItemCols = "id, restaurant_id, name, price, currency, available, updated_at";
}  // namespace

CatalogService::CatalogService(storage::Database& db, const Clock& clock, std::string currency)
    : db_(db), clock_(clock), currency_(std::move(currency)) {
  LoadZones();
}

void CatalogService::LoadZones() {
  Millis now = clock_.NowMillis();
  auto zones = ListZones();
  if (!zones.ok()) return;
  std::lock_guard lock(mu_);
  zones_ = std::move(zones).value();
  zones_loaded_at_ = now;
}

void CatalogService::RefreshZonesIfStale() {
  if (cache_ttl_ms_ <= 0) return;
  Millis loaded_at = 0;
  {
    std::lock_guard lock(mu_);
    loaded_at = zones_loaded_at_;
  }
  if (Stale(loaded_at)) LoadZones();
}

Result<Zone> CatalogService::CreateZone(const Principal& actor, std::string name,
                                        std::vector<geo::Point> polygon) {
  HP_TRY(identity::RequireRole(actor, {Role::kAdmin}));
  Zone z{NewId("zon"), std::move(name), std::move(polygon), clock_.NowMillis()};
  HP_TRY(db_.Write<Ok>([&](Connection& c) -> Result<Ok> {
    HP_TRY(c.Exec("INSERT INTO zones(id,name,polygon,created_at) VALUES (?,?,?,?)",
                  {z.id, z.name, PolygonText(z.polygon), z.created_at}));
    return Ok{};
  }));
  std::lock_guard lock(mu_);
  zones_.push_back(z);
  return z;
}

Result<std::vector<Zone>> CatalogService::ListZones() {
  return db_.ReadReplica<std::vector<Zone>>([](Connection& c) -> Result<std::vector<Zone>> {
    std::vector<Zone> out;
    HP_TRY(c.Query("SELECT id, name, polygon, created_at FROM zones ORDER BY created_at, id", {},
                   [&](const Row& r) {
                     out.push_back(Zone{r.Text(0), r.Text(1), ParsePolygon(r.Text(2)), r.Int(3)});
                   }));
    return out;
  });
}

std::optional<std::string> CatalogService::ZoneAt(geo::Point p) {
  RefreshZonesIfStale();
  std::lock_guard lock(mu_);
  for (const auto& z : zones_) {
    if (geo::Contains(z.polygon, p)) return z.id;
  }
  return std::nullopt;
}

Result<Restaurant> CatalogService::CreateRestaurant(const Principal& actor, std::string name,
                                                    geo::Point location, std::optional<std::string> zone_id) {
  HP_TRY(identity::RequireRole(actor, {Role::kAdmin}));
  if (zone_id) {
    RefreshZonesIfStale();
    std::lock_guard lock(mu_);
    if (std::none_of(zones_.begin(), zones_.end(), [&](const Zone& z) { return z.id == *zone_id; }))
      return Error::Invalid("unknown zone", {{"zone_id", "no zone has this id"}});
  } else {
    zone_id = ZoneAt(location);
  }
  Restaurant r{NewId("rst"), std::move(name), location, zone_id.value_or(""), clock_.NowMillis()};
  const std::string change = shared_ ? shared_->BeginChange("restaurants") : std::string();
  auto written = db_.Write<Ok>([&](Connection& c) -> Result<Ok> {
    HP_TRY(c.Exec(
        "INSERT INTO restaurants(id,name,lat,lon,zone_id,created_at) VALUES (?,?,?,?,?,?)",
        {r.id, r.name, r.location.lat, r.location.lon,
         r.zone_id.empty() ? storage::SqlValue(nullptr) : storage::SqlValue(r.zone_id), r.created_at}));
    return Ok{};
  });
  if (shared_) shared_->EndChange("restaurants", change);  // after the commit, also after a failure
  HP_TRY(std::move(written));
  return r;
}

Result<Restaurant> CatalogService::GetRestaurant(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = restaurant_cache_.find(id); it != restaurant_cache_.end()) return it->second;
  }
  auto r = db_.Read<std::optional<Restaurant>>([&](Connection& c) -> Result<std::optional<Restaurant>> {
    std::optional<Restaurant> out;
    HP_TRY(c.Query(fmt::format("SELECT {} FROM restaurants WHERE id = ?", kRestaurantCols), {id},
                   [&](const Row& row) { out = RestaurantFromRow(row); }));
    return out;
  });
  if (!r.ok()) return std::move(r).error();
  if (!r->has_value()) return Error::NotFound(fmt::format("no restaurant with id '{}'", id));
  std::lock_guard lock(mu_);
  restaurant_cache_.emplace(id, **r);
  return std::move(**r);
}

Result<NearbyPage> CatalogService::Nearby(geo::Point center, double radius_m, int limit,
                                          const std::string& cursor) {
  std::size_t offset = 0;
  if (!cursor.empty()) {
    char* end = nullptr;
    long long v = std::strtoll(cursor.c_str(), &end, 10);
    if (end != cursor.c_str() + cursor.size() || v < 0) {
      return Error::Invalid("invalid cursor", {{"cursor", "is not a cursor this API returned"}});
    }
    offset = static_cast<std::size_t>(v);
  }
  auto box = geo::Around(center, radius_m);
  using Hits = std::vector<std::pair<Restaurant, double>>;
  HP_ASSIGN(auto all, db_.ReadReplica<Hits>([&](Connection& c) -> Result<Hits> {
    Hits out;
    HP_TRY(c.Query(fmt::format("SELECT {} FROM restaurants WHERE lat BETWEEN ? AND ? AND "
                               "lon BETWEEN ? AND ?",
                               kRestaurantCols),
                   {box.min_lat, box.max_lat, box.min_lon, box.max_lon}, [&](const Row& row) {
                     auto r = RestaurantFromRow(row);
                     double d = geo::DistanceMeters(center, r.location);
                     if (d <= radius_m) out.emplace_back(std::move(r), d);
                   }));
    return out;
  }));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first.id < b.first.id;
  });
  NearbyPage page;
  for (std::size_t i = offset; i < all.size() && page.items.size() < static_cast<std::size_t>(limit); ++i) {
    page.items.push_back(all[i]);
  }
  if (offset + page.items.size() < all.size()) page.next_cursor = std::to_string(offset + page.items.size());
  return page;
}

Result<std::string> CatalogService::NearbyJson(geo::Point center, double radius_m, int limit,
                                              const std::string& cursor) {
  auto load = [&]() -> Result<std::string> {
    HP_ASSIGN(auto page, Nearby(center, radius_m, limit, cursor));
    bj::array items;
    for (const auto& [r, d] : page.items) {
      auto o = RestaurantJson(r);
      o["distance_m"] = static_cast<std::int64_t>(std::lround(d));
      items.push_back(std::move(o));
    }
    return bj::serialize(bj::object{
        {"items", std::move(items)},
        {"next_cursor", page.next_cursor ? bj::value(*page.next_cursor) : bj::value(nullptr)}});
  };
  if (!shared_) return load();
  return shared_->Get("restaurants", fmt::format("{:.6f}:{:.6f}:{:.1f}:{}:{}", center.lat, center.lon, radius_m,
                                                 limit, cursor),
                      load);
}

Status CatalogService::CanEditMenu(const Principal& actor, const std::string& restaurant_id) {
  if (actor.Is(Role::kAdmin)) return OkStatus();
  if (actor.Is(Role::kRestaurant) && actor.restaurant_id == restaurant_id) return OkStatus();
  return Error::Forbidden("only admins and this restaurant's staff may edit its menu");
}

Result<MenuItem> CatalogService::AddItem(const Principal& actor, const std::string& restaurant_id,
                                         std::string name, std::int64_t price, bool available) {
  HP_TRY(GetRestaurant(restaurant_id));
  HP_TRY(CanEditMenu(actor, restaurant_id));
  Millis now = clock_.NowMillis();
  MenuItem item{NewId("itm"), restaurant_id, std::move(name), price, currency_, available, now};
  const std::string change = BeginMenuChange(restaurant_id);
  auto written = db_.Write<Ok>([&](Connection& c) -> Result<Ok> {
    HP_TRY(
        c.Exec("INSERT INTO menu_items(id,restaurant_id,name,price,currency,available,created_at,updated_at) "
               "VALUES (?,?,?,?,?,?,?,?)",
               {item.id, item.restaurant_id, item.name, item.price, item.currency,
                std::int64_t{item.available ? 1 : 0}, now, now}));
    return Ok{};
  });
  InvalidateMenu(restaurant_id, change);
  HP_TRY(std::move(written));
  return item;
}

Result<MenuItem> CatalogService::PatchItem(const Principal& actor, const std::string& restaurant_id,
                                           const std::string& item_id, const ItemPatch& patch) {
  HP_TRY(GetRestaurant(restaurant_id));
  HP_TRY(CanEditMenu(actor, restaurant_id));
  Millis now = clock_.NowMillis();
  const std::string change = BeginMenuChange(restaurant_id);
  auto updated = db_.Write<std::optional<MenuItem>>([&](Connection& c) -> Result<std::optional<MenuItem>> {
    std::optional<MenuItem> item;
    HP_TRY(c.Query(fmt::format("SELECT {} FROM menu_items WHERE id = ? AND restaurant_id = ?", kItemCols),
                   {item_id, restaurant_id}, [&](const Row& r) { item = ItemFromRow(r); }));
    if (!item) return item;
    if (patch.name) item->name = *patch.name;
    if (patch.price) item->price = *patch.price;
    if (patch.available) item->available = *patch.available;
    item->updated_at = now;
    HP_TRY(c.Exec("UPDATE menu_items SET name = ?, price = ?, available = ?, updated_at = ? WHERE id = ?",
                  {item->name, item->price, std::int64_t{item->available ? 1 : 0}, now, item->id}));
    return item;
  });
  // Invalidate after the commit, and also on failure: the cache must never outlive the truth.
  InvalidateMenu(restaurant_id, change);
  if (!updated.ok()) return std::move(updated).error();
  if (!updated->has_value()) return Error::NotFound(fmt::format("restaurant has no item '{}'", item_id));
  return std::move(**updated);
}

Result<std::vector<MenuItem>> CatalogService::Menu(const std::string& restaurant_id) {
  if (shared_) {  // pricing reads the truth: no per-process copy that another process's edit can't drop
    HP_TRY(GetRestaurant(restaurant_id));
    return ReadMenu(restaurant_id, storage::ReadFrom::kPrimary);
  }
  HP_ASSIGN(auto menu, LoadMenu(restaurant_id));
  return menu->items;
}

std::string CatalogService::BeginMenuChange(const std::string& restaurant_id) {
  return shared_ ? shared_->BeginChange("menu:" + restaurant_id) : std::string();
}

void CatalogService::InvalidateMenu(const std::string& restaurant_id, const std::string& change) {
  {
    std::lock_guard lock(mu_);
    menu_cache_.erase(restaurant_id);
    ++menu_generation_[restaurant_id];
  }
  if (shared_) shared_->EndChange("menu:" + restaurant_id, change);
}

Result<std::vector<MenuItem>> CatalogService::ReadMenu(const std::string& restaurant_id, storage::ReadFrom from) {
  return db_.Read<std::vector<MenuItem>>(
      [&](Connection& c) -> Result<std::vector<MenuItem>> {
        std::vector<MenuItem> out;
        HP_TRY(
            c.Query(fmt::format("SELECT {} FROM menu_items WHERE restaurant_id = ? ORDER BY created_at, id",
                                kItemCols),
                    {restaurant_id}, [&](const Row& r) { out.push_back(ItemFromRow(r)); }));
        return out;
      },
      from);
}

namespace {
std::string SerializeMenu(const std::string& restaurant_id, const std::vector<MenuItem>& items) {
  bj::array arr;
  for (const auto& i : items) arr.push_back(ItemJson(i));
  return bj::serialize(bj::object{{"restaurant_id", restaurant_id}, {"items", std::move(arr)}});
}
}  // namespace

Result<std::shared_ptr<const CatalogService::CachedMenu>> CatalogService::LoadMenu(
    const std::string& restaurant_id) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (auto it = menu_cache_.find(restaurant_id); it != menu_cache_.end() && !Stale(it->second->loaded_at))
      return it->second;
    generation = menu_generation_[restaurant_id];
  }
  Millis loaded_at = clock_.NowMillis();
  HP_TRY(GetRestaurant(restaurant_id));
  HP_ASSIGN(auto items, ReadMenu(restaurant_id, storage::ReadFrom::kReplica));
  auto menu = std::make_shared<CachedMenu>();
  menu->json = SerializeMenu(restaurant_id, items);
  menu->items = std::move(items);
  menu->loaded_at = loaded_at;
  std::lock_guard lock(mu_);
  // An edit that committed while we read makes our copy stale: serve it once, don't cache it.
  if (menu_generation_[restaurant_id] == generation) menu_cache_[restaurant_id] = menu;
  return std::shared_ptr<const CachedMenu>(menu);
}

Result<std::string> CatalogService::MenuJson(const std::string& restaurant_id) {
  if (shared_) {
    HP_ASSIGN(auto menu, MenuNear(restaurant_id));
    return menu->value;
  }
  HP_ASSIGN(auto menu, LoadMenu(restaurant_id));
  return menu->json;
}

CatalogService::NearMenu CatalogService::PeekMenu(const std::string& restaurant_id) const {
  return shared_ ? shared_->Peek("menu:" + restaurant_id, "") : nullptr;
}

void CatalogService::RevalidateMenu(NearMenu menu, std::function<void(bool fresh)> done) {
  if (!shared_ || !menu) return done(false);
  shared_->Revalidate(std::move(menu), std::move(done));
}

Result<CatalogService::NearMenu> CatalogService::MenuNear(const std::string& restaurant_id) {
  if (!shared_) return Error::Internal("no shared cache");
  // Fills read the primary: a replica may not have replayed another process's edit yet.
  return shared_->GetNear("menu:" + restaurant_id, "", [&]() -> Result<std::string> {
    HP_TRY(GetRestaurant(restaurant_id));
    HP_ASSIGN(auto items, ReadMenu(restaurant_id, storage::ReadFrom::kPrimary));
    return SerializeMenu(restaurant_id, items);
  });
}

}  // namespace hotpath::catalog
