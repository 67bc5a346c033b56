#include "tracking/http_handlers.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include "api/edge.h"
#include "identity/guard.h"

namespace hotpath::tracking {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;

namespace {

bj::object IngestJson(const IngestResult& r) {
  bj::array flagged;
  for (const auto& f : r.flagged) {
    flagged.push_back(bj::object{{"index", f.index}, {"reason", f.reason}, {"implied_kmh", std::round(f.implied_kmh)}});
  }
  bj::object o{{"accepted", r.accepted}, {"flagged", std::move(flagged)}, {"duplicates", r.duplicates}};
  o["latest"] = r.latest ? bj::value(bj::object{{"lat", r.latest->position.lat},
                                                {"lon", r.latest->position.lon},
                                                {"at", json::FormatTime(r.latest->at)}})
                         : bj::value(nullptr);
  return o;
}

Result<IngestResult> IngestBody(Tracker& tracker, const Principal& who, const bj::object& body, bool ws) {
  HP_TRY(identity::RequireRole(who, {Role::kRider}));
  json::FieldErrors errors;
  json::ObjectReader r(body, errors);
  if (ws) {
    r.String("type", true, 1, 32);
    r.Value("ref", false);
  }
  auto fixes = ReadFixes(r, errors);
  r.Done();
  HP_TRY(errors.ToStatus());
  return tracker.Ingest(who.user_id, fixes);
}

bj::object RiderJson(const IndexedRider& r) {
  return bj::object{{"rider_id", r.rider_id},
                    {"lat", r.position.lat},
                    {"lon", r.position.lon},
                    {"status", r.available ? "available" : "busy"},
                    {"updated_at", json::FormatTime(r.updated_at)}};
}

Result<Availability> ReadStatus(const net::Request& req) {
  auto s = req.Query("status");
  if (!s || *s == "available") return Availability::kAvailable;
  if (*s == "busy") return Availability::kBusy;
  if (*s == "any") return Availability::kAny;
  return Error::Invalid("query parameter 'status' must be available, busy or any",
                        {{"status", "must be available, busy or any"}});
}

net::Response Nearby(Tracker& tracker, const net::Request& req) {
  auto lat = api::QueryNumber(req, "lat", -90, 90);
  auto lon = api::QueryNumber(req, "lon", -180, 180);
  auto radius = api::QueryNumber(req, "radius_m", 1, 50000);
  auto limit = api::QueryInt(req, "limit", 1, 100);
  auto status = ReadStatus(req);
  std::vector<FieldError> missing;
  for (const auto* r : {&lat, &lon, &radius}) {
    if (!r->ok()) return api::ErrorResponse(r->error());
  }
  if (!limit.ok()) return api::ErrorResponse(limit.error());
  if (!status.ok()) return api::ErrorResponse(status.error());
  if (!*lat) missing.push_back({"lat", "is required"});
  if (!*lon) missing.push_back({"lon", "is required"});
  if (!missing.empty()) return api::ErrorResponse(Error::Invalid("lat and lon are required", std::move(missing)));
  geo::Point center{**lat, **lon};
  auto found = tracker.Nearest(center, radius->value_or(2000), static_cast<std::size_t>(limit->value_or(10)), *status);
  bj::array items;
  for (const auto& n : found) {
    auto o = RiderJson(n.rider);
    o["distance_m"] = std::round(n.distance_m * 10) / 10;
    items.push_back(std::move(o));
  }
  return api::JsonResponse(200, bj::object{{"items", std::move(items)}});
}

net::Response InBox(Tracker& tracker, const net::Request& req) {
  double v[4];
  const char* names[4] = {"min_lat", "min_lon", "max_lat", "max_lon"};
  std::vector<FieldError> missing;
  for (int i = 0; i < 4; ++i) {
    auto r = api::QueryNumber(req, names[i], i % 2 == 0 ? -90 : -180, i % 2 == 0 ? 90 : 180);
    if (!r.ok()) return api::ErrorResponse(r.error());
    if (!*r) missing.push_back({names[i], "is required"});
    v[i] = r->value_or(0);
  }
  if (!missing.empty()) return api::ErrorResponse(Error::Invalid("the box needs all four bounds", std::move(missing)));
  if (v[0] > v[2] || v[1] > v[3]) {
    return api::ErrorResponse(Error::Invalid("the box is empty", {{"min_lat", "min_lat and min_lon must not exceed max_lat and max_lon"}}));
  }
  bj::array items;
  for (const auto& r : tracker.InBox(geo::Box{v[0], v[2], v[1], v[3]})) items.push_back(RiderJson(r));
  return api::JsonResponse(200, bj::object{{"items", std::move(items)}});
}

net::Response ZoneRiders(Tracker& tracker, catalog::CatalogService& catalog, const net::Request& req) {
  auto zones = catalog.ListZones();
  if (!zones.ok()) return api::ErrorResponse(zones.error());
  const std::string& id = req.Param("id");
  for (const auto& z : *zones) {
    if (z.id != id) continue;
    bj::array items;
    for (const auto& r : tracker.InPolygon(z.polygon)) items.push_back(RiderJson(r));
    return api::JsonResponse(200, bj::object{{"zone_id", z.id}, {"items", std::move(items)}});
  }
  return api::ErrorResponse(Error::NotFound("no zone with id '" + id + "'"));
}

Result<std::int64_t> LastEventId(const net::Request& req) {
  auto v = req.Header("Last-Event-ID");
  if (!v) v = req.Query("last_event_id");
  if (!v || v->empty()) return std::int64_t{0};
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (end != v->c_str() + v->size() || n < 0) {
    return Error::Invalid("Last-Event-ID must be an event id this stream sent", {{"Last-Event-ID", "is not an event id"}});
  }
  return static_cast<std::int64_t>(n);
}

class SseWatcher final : public Watcher {
 public:
  explicit SseWatcher(std::weak_ptr<net::EventStream> stream) : stream_(std::move(stream)) {}
  bool SendStatus(const orders::OrderEvent& ev) override {
    auto s = stream_.lock();
    return s && s->Send(std::to_string(ev.seq), ev.type, ev.json);
  }
  bool SendPosition(const std::string& json) override {
    auto s = stream_.lock();
    return s && s->SendLatest("position", "rider.position", json);
  }

 private:
  std::weak_ptr<net::EventStream> stream_;
};

class WsWatcher final : public Watcher {
 public:
  WsWatcher(std::weak_ptr<net::WebSocket> ws, std::string order_id)
      : ws_(std::move(ws)), order_id_(std::move(order_id)), slot_("position:" + order_id_) {}
  bool SendStatus(const orders::OrderEvent& ev) override {
    auto s = ws_.lock();
    return s && s->Send(fmt::format(R"({{"type":"event","order_id":"{}","id":{},"event":{}}})", order_id_, ev.seq, ev.json));
  }
  bool SendPosition(const std::string& json) override {
    auto s = ws_.lock();
    if (!s) return false;
    static constexpr std::string_view kHead = R"({"type":"position","position":)";
    std::string frame;
    frame.reserve(kHead.size() + json.size() + 1);
    frame += kHead;
    frame += json;
    frame += '}';
    return s->SendLatest(slot_, std::move(frame));
  }

 private:
  std::weak_ptr<net::WebSocket> ws_;
  std::string order_id_;
  std::string slot_;  // the coalescing slot of this order's positions on the socket
};

std::string WsError(const Error& e, const bj::value& ref = nullptr) {
  auto problem = api::ErrorResponse(e);
  return bj::serialize(bj::object{{"type", "error"}, {"ref", ref}, {"error", bj::parse(problem.body)}});
}

net::Response Track(LiveTracking& live, orders::OrderService& orders, const Principal& who, const net::Request& req) {
  std::string id = req.Param("id");
  auto after = LastEventId(req);
  if (!after.ok()) return api::ErrorResponse(after.error());
  if (auto o = orders.Get(who, id); !o.ok()) return api::ErrorResponse(o.error());
  std::int64_t from = *after;
  return net::Response::Sse([&live, who, id, from](const std::shared_ptr<net::EventStream>& stream) {
    auto sub = live.Subscribe(who, id, from, std::make_shared<SseWatcher>(stream));
    stream->OnClose([&live, sub] { live.Unsubscribe(sub); });
  });
}

}  // namespace

void RegisterRoutes(net::Router& router, Tracker& tracker, LiveTracking& live, orders::OrderService& orders,
                    catalog::CatalogService& catalog, const identity::IdentityService& identity) {
  using identity::Authenticated;
  router.Add("POST", "/v1/riders/me/locations",
             Authenticated(identity, {Role::kRider}, [&tracker](const Principal& who, net::Request& req) {
               auto body = api::ParseBody(req);
               if (!body.ok()) return api::ErrorResponse(body.error());
               auto r = IngestBody(tracker, who, *body, false);
               if (!r.ok()) return api::ErrorResponse(r.error());
               return api::JsonResponse(200, IngestJson(*r));
             }));
  router.Add("GET", "/v1/riders/nearby",
             Authenticated(identity, {Role::kAdmin},
                           [&tracker](const Principal&, net::Request& req) { return Nearby(tracker, req); }));
  router.Add("GET", "/v1/riders/in-box",
             Authenticated(identity, {Role::kAdmin},
                           [&tracker](const Principal&, net::Request& req) { return InBox(tracker, req); }));
  router.Add("GET", "/v1/zones/{id}/riders",
             Authenticated(identity, {Role::kAdmin}, [&tracker, &catalog](const Principal&, net::Request& req) {
               return ZoneRiders(tracker, catalog, req);
             }));
  router.Add("GET", "/v1/orders/{id}/track",
             Authenticated(identity, {}, [&live, &orders](const Principal& who, net::Request& req) {
               return Track(live, orders, who, req);
             }));
}

bool TrackingWs::OnMessage(const std::shared_ptr<net::WebSocket>& ws, const Principal& who, std::string_view type,
                           const bj::object& message) {
  if (type == "track" || type == "untrack") {
    Track(ws, who, message, type == "track");
    return true;
  }
  if (type != "locations") return false;
  bj::value ref = nullptr;
  if (const auto* r = message.if_contains("ref")) ref = *r;
  auto result = IngestBody(tracker_, who, message, true);
  if (!result.ok()) {
    ws->Send(WsError(result.error(), ref));
    return true;
  }
  if (result->flagged.empty()) {  // the usual answer, formatted without building a JSON tree
    std::string ack;
    ack.reserve(160);
    ack += R"({"accepted":)";
    fmt::format_to(std::back_inserter(ack), "{}", result->accepted);
    ack += R"(,"flagged":[],"latest":)";
    if (result->latest) {
      fmt::format_to(std::back_inserter(ack), R"({{"lat":{},"lon":{},"at":")", result->latest->position.lat,
                     result->latest->position.lon);
      json::AppendTime(ack, result->latest->at);
      ack += R"("})";
    } else {
      ack += "null";
    }
    ack += R"(,"type":"locations_ack","ref":)";
    if (ref.is_null()) {
      ack += "null";
    } else {
      ack += bj::serialize(ref);
    }
    ack += '}';
    ws->Send(std::move(ack));
    return true;
  }
  bj::object ack = IngestJson(*result);
  ack["type"] = "locations_ack";
  ack["ref"] = ref;
  ws->Send(bj::serialize(ack));
  return true;
}

}  // namespace hotpath::tracking

namespace hotpath::tracking {

void TrackingWs::Track(const std::shared_ptr<net::WebSocket>& ws, const Principal& who, const bj::object& message,
                       bool track) {
  json::FieldErrors errors;
  json::ObjectReader r(message, errors);
  r.String("type", true, 1, 32);
  auto order_id = r.String("order_id", true, 1, 64);
  auto after = track ? r.Int("last_event_id", false, 0, INT64_MAX) : std::nullopt;
  r.Done();
  if (auto st = errors.ToStatus(); !st.ok()) {
    ws->Send(WsError(st.error()));
    return;
  }
  if (!track) {
    std::shared_ptr<LiveTracking::Subscription> sub;
    {
      std::lock_guard lock(mu_);
      auto it = subs_.find(ws.get());
      if (it != subs_.end()) {
        if (auto s = it->second.find(*order_id); s != it->second.end()) {
          sub = s->second;
          it->second.erase(s);
        }
      }
    }
    live_.Unsubscribe(sub);
    ws->Send(bj::serialize(bj::object{{"type", "untracked"}, {"order_id", *order_id}}));
    return;
  }
  if (auto o = orders_.Get(who, *order_id); !o.ok()) {
    ws->Send(WsError(o.error()));
    return;
  }
  {
    std::lock_guard lock(mu_);
    auto& mine = subs_[ws.get()];
    if (mine.contains(*order_id)) {
      ws->Send(WsError(Error::Conflict("already tracking this order")));
      return;
    }
    mine[*order_id] = nullptr;  // reserved: events may flow as soon as Subscribe starts
  }
  ws->Send(bj::serialize(bj::object{{"type", "tracking"}, {"order_id", *order_id}}));
  auto sub = live_.Subscribe(who, *order_id, after.value_or(0), std::make_shared<WsWatcher>(ws, *order_id));
  bool keep = false;
  {
    std::lock_guard lock(mu_);
    auto it = subs_.find(ws.get());
    if (it != subs_.end() && it->second.contains(*order_id)) {
      it->second[*order_id] = sub;
      keep = true;
    }
  }
  if (!keep) live_.Unsubscribe(sub);  // the socket closed meanwhile
}

void TrackingWs::OnClose(const std::shared_ptr<net::WebSocket>& ws, const Principal&) {
  std::map<std::string, std::shared_ptr<LiveTracking::Subscription>> mine;
  {
    std::lock_guard lock(mu_);
    auto it = subs_.find(ws.get());
    if (it == subs_.end()) return;
    mine.swap(it->second);
    subs_.erase(it);
  }
  for (auto& [id, sub] : mine) live_.Unsubscribe(sub);
}

}  // namespace hotpath::tracking
