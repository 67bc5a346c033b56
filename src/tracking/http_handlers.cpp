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

// `rider`, when given, caches the rider's tracker entry across calls (one connection's batches).
Result<IngestResult> IngestBody(Tracker& tracker, const Principal& who, const bj::object& body, bool ws,
                                Tracker::RiderRef* rider = nullptr) {
  HP_TRY(identity::RequireRole(who, {Role::kRider}));
  json::FieldErrors errors;
  json::ObjectReader r(body, errors);
  if (ws) {
    r.String("type", true, 1, 32);
    r.Value("ref", false);
    r.Value("seq", false);  // checked by TrackingWs::Locations
  }
  auto fixes = ReadFixes(r, errors);
  r.Done();
  HP_TRY(errors.ToStatus());
  if (!rider) return tracker.Ingest(who.user_id, fixes);
  if (!*rider) *rider = tracker.Find(who.user_id);
  return *rider ? tracker.Ingest(*rider, fixes) : tracker.Ingest(who.user_id, fixes);
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
  Locations(ws, who, message);
  return true;
}

namespace {

constexpr std::int64_t kMaxSeq = (std::int64_t{1} << 53) - 1;  // exact in every JSON implementation

// `"latest":{..}` or `"latest":null`, formatted by hand (once per acknowledgement).
void AppendLatest(std::string& out, const std::optional<Fix>& latest) {
  out += R"("latest":)";
  if (!latest) {
    out += "null";
    return;
  }
  fmt::format_to(std::back_inserter(out), R"({{"lat":{},"lon":{},"at":")", latest->position.lat, latest->position.lon);
  json::AppendTime(out, latest->at);
  out += R"("})";
}

// Comma-separated `flagged` entries of a cumulative ack, each naming its message.
void AppendFlagged(std::string& out, const std::vector<FlaggedFix>& flagged, std::int64_t seq) {
  for (const auto& f : flagged) {
    if (!out.empty()) out += ',';
    bj::object o{{"index", f.index}, {"reason", f.reason}, {"implied_kmh", std::round(f.implied_kmh)}};
    o["seq"] = seq;
    out += bj::serialize(o);
  }
}

std::string WsSeqError(const Error& e, const bj::value& seq) {
  auto problem = api::ErrorResponse(e);
  return bj::serialize(bj::object{{"type", "error"}, {"seq", seq}, {"error", bj::parse(problem.body)}});
}

}  // namespace

TrackingWs::AckWindow* TrackingWs::FindWindow(const net::WebSocket& ws, bool create) {
  std::shared_ptr<void>& slot = orders::ExtensionState(ws, *this);
  if (!slot && create) slot = std::make_shared<AckWindow>();
  return static_cast<AckWindow*>(slot.get());
}

void TrackingWs::SendAck(net::WebSocket& ws, AckWindow& window) {
  if (!window.owed) return;
  std::string ack;
  ack.reserve(160 + window.flagged.size());
  ack += R"({"type":"locations_ack","seq":)";
  fmt::format_to(std::back_inserter(ack), R"({},"accepted":{},"flagged":[)", window.last_seq, window.accepted);
  ack += window.flagged;
  fmt::format_to(std::back_inserter(ack), R"(],"duplicates":{},)", window.duplicates);
  AppendLatest(ack, window.latest);
  ack += '}';
  window.owed = false;
  window.accepted = 0;
  window.duplicates = 0;
  window.flagged.clear();
  ws.Send(std::move(ack));
}

void TrackingWs::OnReadIdle(const std::shared_ptr<net::WebSocket>& ws) {
  if (AckWindow* window = FindWindow(*ws, false)) SendAck(*ws, *window);
}

void TrackingWs::Locations(const std::shared_ptr<net::WebSocket>& ws, const Principal& who, const bj::object& message) {
  if (const auto* seq = message.if_contains("seq")) {
    return LocationsInWindow(ws, *FindWindow(*ws, true), who, message, *seq);
  }
  // A message acknowledged on its own: the cumulative ack owed for earlier messages goes first.
  AckWindow& window = *FindWindow(*ws, true);
  SendAck(*ws, window);
  bj::value ref = nullptr;
  if (const auto* r = message.if_contains("ref")) ref = *r;
  auto result = IngestBody(tracker_, who, message, true, &window.rider);
  if (!result.ok()) {
    ws->Send(WsError(result.error(), ref));
    return;
  }
  if (result->flagged.empty()) {  // the usual answer, formatted without building a JSON tree
    std::string ack;
    ack.reserve(160);
    ack += R"({"accepted":)";
    fmt::format_to(std::back_inserter(ack), R"({},"flagged":[],"duplicates":{},)", result->accepted, result->duplicates);
    AppendLatest(ack, result->latest);
    ack += R"(,"type":"locations_ack","ref":)";
    if (ref.is_null()) {
      ack += "null";
    } else {
      ack += bj::serialize(ref);
    }
    ack += '}';
    ws->Send(std::move(ack));
    return;
  }
  bj::object ack = IngestJson(*result);
  ack["type"] = "locations_ack";
  ack["ref"] = ref;
  ws->Send(bj::serialize(ack));
}

void TrackingWs::LocationsInWindow(const std::shared_ptr<net::WebSocket>& ws, AckWindow& window, const Principal& who,
                                   const bj::object& message, const bj::value& seq_value) {
  std::optional<Error> refused;
  std::int64_t seq = 0;
  if (message.contains("ref")) {
    refused = Error::Invalid("a message carries either seq (cumulative acknowledgement) or ref, not both",
                             {{"ref", "must be absent when seq is given"}});
  } else if (!seq_value.is_int64() && !seq_value.is_uint64()) {
    refused = Error::Invalid("seq must be an integer", {{"seq", "must be an integer from 1 to 2^53-1"}});
  } else {
    const bool too_big = seq_value.is_uint64() && seq_value.get_uint64() > static_cast<std::uint64_t>(kMaxSeq);
    seq = too_big ? kMaxSeq + 1 : seq_value.to_number<std::int64_t>();
    if (seq < 1 || seq > kMaxSeq) {
      refused = Error::Invalid("seq must be an integer from 1 to 2^53-1", {{"seq", "must be from 1 to 2^53-1"}});
    } else if (seq <= window.last_seq) {
      refused = Error::Invalid(
          fmt::format("seq {} is not after the previous message's ({}) on this connection", seq, window.last_seq),
          {{"seq", fmt::format("must be greater than {}", window.last_seq)}});
    }
  }
  Result<IngestResult> result = refused ? Result<IngestResult>(std::move(*refused))
                                        : IngestBody(tracker_, who, message, true, &window.rider);
  if (!result.ok()) {
    SendAck(*ws, window);  // the messages before this one first: answers stay in seq order
    if (seq >= 1 && seq <= kMaxSeq && seq > window.last_seq) window.last_seq = seq;
    ws->Send(WsSeqError(result.error(), seq_value));
    return;
  }
  window.last_seq = seq;
  window.owed = true;
  window.accepted += result->accepted;
  window.duplicates += result->duplicates;
  if (!result->flagged.empty()) AppendFlagged(window.flagged, result->flagged, seq);
  if (result->latest) window.latest = result->latest;
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
