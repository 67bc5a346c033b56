#include "orders/http_handlers.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>

#include "api/edge.h"
#include "identity/guard.h"
#include "orders/order_feed.h"
#include "orders/order_json.h"

namespace hotpath::orders {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;

namespace {

std::string BodyHash(std::string_view body) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                     nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

Result<std::string> IdempotencyKey(const net::Request& req) {
  auto key = req.Header("Idempotency-Key");
  if (!key)
    return Error::Invalid("the Idempotency-Key header is required", {{"Idempotency-Key", "is required"}});
  if (key->empty() || key->size() > 255 ||
      std::any_of(key->begin(), key->end(), [](unsigned char c) { return c < 0x21 || c > 0x7e; })) {
    return Error::Invalid("invalid Idempotency-Key",
                          {{"Idempotency-Key", "must be 1 to 255 visible ASCII characters"}});
  }
  return *key;
}

net::Response OrderReply(const Result<Order>& r) {
  if (!r.ok()) return api::ErrorResponse(r.error());
  return api::JsonResponse(200, OrderJson(*r));
}

// Reads the body of an action: only the listed optional fields are allowed.
Result<ActionArgs> ParseAction(const net::Request& req, Action action) {
  HP_ASSIGN(auto body, api::ParseBody(req, true));
  json::FieldErrors errors;
  json::ObjectReader r(body, errors);
  ActionArgs args;
  if (action == Action::kAccept) {
    auto prep = r.Int("prep_minutes", true, 1, 180);
    if (prep) args.prep_minutes = static_cast<int>(*prep);
  }
  if (action == Action::kReject || action == Action::kCancel) {
    args.reason = r.String("reason", action == Action::kReject, 1, 500).value_or("");
  }
  r.Done();
  HP_TRY(errors.ToStatus());
  return args;
}

Result<std::int64_t> LastEventId(const net::Request& req) {
  auto v = req.Header("Last-Event-ID");
  if (!v) v = req.Query("last_event_id");
  if (!v || v->empty()) return std::int64_t{0};
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (end != v->c_str() + v->size() || n < 0) {
    return Error::Invalid("Last-Event-ID must be an event id this stream sent",
                          {{"Last-Event-ID", "is not an event id"}});
  }
  return static_cast<std::int64_t>(n);
}

net::Response Events(OrderService& orders, LiveHub& hub, const Principal& who, net::Request& req) {
  std::string id = req.Param("id");
  auto after = LastEventId(req);
  if (!after.ok()) return api::ErrorResponse(after.error());
  if (auto o = orders.Get(who, id); !o.ok()) return api::ErrorResponse(o.error());
  std::int64_t from = *after;
  return net::Response::Sse([&orders, &hub, who, id, from](const std::shared_ptr<net::EventStream>& stream) {
    std::weak_ptr<net::EventStream> weak = stream;
    auto feed = std::make_shared<OrderFeed>(hub, id, from, [weak](const OrderEvent& ev) {
      auto s = weak.lock();
      return s && s->Send(std::to_string(ev.seq), ev.type, ev.json);
    });
    stream->OnClose([feed] { feed->Stop(); });
    feed->Start([&orders, who, id](std::int64_t seq) { return orders.EventsAfter(who, id, seq); });
  });
}

// State of one WebSocket connection: who it is and which orders it follows.
struct WsState {
  Principal who;
  std::mutex mu;
  std::map<std::string, std::shared_ptr<OrderFeed>> feeds;  // guarded by mu
};

std::string WsError(const Error& e) {
  auto problem = api::ErrorResponse(e);
  return bj::serialize(bj::object{{"type", "error"}, {"error", bj::parse(problem.body)}});
}

using Extensions = std::vector<WsExtension*>;

// The non-blocking messages of an extension (rider locations) are handled on the I/O thread.
bool TryInline(const Extensions& exts, const std::shared_ptr<net::WebSocket>& ws, std::string_view text) {
  auto state = std::static_pointer_cast<WsState>(ws->user_data);
  if (!state) return false;
  auto body = json::ParseObject(text);
  if (!body.ok()) return false;  // on_message answers with the error
  const auto* t = body->if_contains("type");
  if (!t || !t->is_string()) return false;
  std::string_view type = t->get_string();
  for (auto* ext : exts) {
    if (ext->HandlesInline(type)) return ext->OnMessage(ws, state->who, type, *body);
  }
  return false;
}

void OnWsMessage(OrderService& orders, LiveHub& hub, const Extensions& exts, const std::shared_ptr<net::WebSocket>& ws,
                 std::string_view text) {
  auto state = std::static_pointer_cast<WsState>(ws->user_data);
  auto body = json::ParseObject(text);
  if (!body.ok()) {
    ws->Send(WsError(body.error()));
    return;
  }
  if (const auto* t = body->if_contains("type"); t && t->is_string()) {
    std::string_view type = t->get_string();
    if (type != "subscribe" && type != "unsubscribe") {
      for (auto* ext : exts) {
        if (ext->OnMessage(ws, state->who, type, *body)) return;
      }
    }
  }
  json::FieldErrors errors;
  json::ObjectReader r(*body, errors);
  auto type = r.String("type", true, 1, 32);
  auto order_id = r.String("order_id", true, 1, 64);
  auto after = r.Int("last_event_id", false, 0, INT64_MAX);
  r.Done();
  if (type && *type != "subscribe" && *type != "unsubscribe") {
    errors.Add("type", "must be subscribe or unsubscribe");
  }
  if (auto st = errors.ToStatus(); !st.ok()) {
    ws->Send(WsError(st.error()));
    return;
  }
  if (*type == "unsubscribe") {
    std::shared_ptr<OrderFeed> feed;
    {
      std::lock_guard lock(state->mu);
      if (auto it = state->feeds.find(*order_id); it != state->feeds.end()) {
        feed = it->second;
        state->feeds.erase(it);
      }
    }
    if (feed) feed->Stop();
    ws->Send(bj::serialize(bj::object{{"type", "unsubscribed"}, {"order_id", *order_id}}));
    return;
  }
  if (auto o = orders.Get(state->who, *order_id); !o.ok()) {
    ws->Send(WsError(o.error()));
    return;
  }
  std::weak_ptr<net::WebSocket> weak = ws;
  std::string oid = *order_id;
  auto feed = std::make_shared<OrderFeed>(hub, oid, after.value_or(0), [weak, oid](const OrderEvent& ev) {
    auto s = weak.lock();
    if (!s) return false;
    return s->Send(
        fmt::format(R"({{"type":"event","order_id":"{}","id":{},"event":{}}})", oid, ev.seq, ev.json));
  });
  {
    std::lock_guard lock(state->mu);
    if (state->feeds.contains(oid)) {
      ws->Send(WsError(Error::Conflict("already subscribed to this order")));
      return;
    }
    state->feeds[oid] = feed;
  }
  ws->Send(bj::serialize(bj::object{{"type", "subscribed"}, {"order_id", oid}}));
  Principal who = state->who;
  feed->Start([&orders, who, oid](std::int64_t seq) { return orders.EventsAfter(who, oid, seq); });
}

}  // namespace

void RegisterRoutes(net::Router& router, OrderService& orders, LiveHub& hub,
                    const identity::IdentityService& identity, std::vector<WsExtension*> ws_extensions) {
  using identity::Authenticated;
  router.Add("POST", "/v1/orders/quote",
             Authenticated(identity, {Role::kCustomer}, [&orders](const Principal& who, net::Request& req) {
               auto body = api::ParseBody(req);
               if (!body.ok()) return api::ErrorResponse(body.error());
               auto parsed = ParseOrderRequest(*body, false);
               if (!parsed.ok()) return api::ErrorResponse(parsed.error());
               auto q = orders.QuoteOrder(who, *parsed);
               if (!q.ok()) return api::ErrorResponse(q.error());
               return api::JsonResponse(200, QuoteJson(*q, orders.currency()));
             }));

  router.Add("POST", "/v1/orders",
             Authenticated(identity, {Role::kCustomer}, [&orders](const Principal& who, net::Request& req) {
               auto key = IdempotencyKey(req);
               if (!key.ok()) return api::ErrorResponse(key.error());
               auto body = api::ParseBody(req);
               if (!body.ok()) return api::ErrorResponse(body.error());
               auto parsed = ParseOrderRequest(*body, true);
               if (!parsed.ok()) return api::ErrorResponse(parsed.error());
               auto placed = orders.Place(who, *key, BodyHash(req.body), *parsed);
               if (!placed.ok()) return api::ErrorResponse(placed.error());
               auto resp = api::JsonResponse(201, OrderJson(placed->order));
               resp.headers.emplace_back("Location", "/v1/orders/" + placed->order.id);
               if (placed->replayed) resp.headers.emplace_back("Idempotent-Replayed", "true");
               return resp;
             }));

  router.Add("GET", "/v1/orders/{id}",
             Authenticated(identity, {}, [&orders](const Principal& who, net::Request& req) {
               auto text = orders.GetJson(who, req.Param("id"));
               if (!text.ok()) return api::ErrorResponse(text.error());
               return net::Response::Json(200, *text);
             }));

  const std::pair<const char*, Action> actions[] = {
      {"accept", Action::kAccept}, {"reject", Action::kReject},   {"ready", Action::kReady},
      {"pickup", Action::kPickup}, {"deliver", Action::kDeliver}, {"cancel", Action::kCancel}};
  for (const auto& [name, action] : actions) {
    router.Add(
        "POST", fmt::format("/v1/orders/{{id}}/{}", name),
        Authenticated(identity, {}, [&orders, action = action](const Principal& who, net::Request& req) {
          auto args = ParseAction(req, action);
          if (!args.ok()) return api::ErrorResponse(args.error());
          return OrderReply(orders.Act(who, req.Param("id"), action, *args));
        }));
  }

  router.Add("POST", "/v1/orders/{id}/refund",
             Authenticated(identity, {Role::kAdmin}, [&orders](const Principal& who, net::Request& req) {
               auto body = api::ParseBody(req, true);
               if (!body.ok()) return api::ErrorResponse(body.error());
               if (!body->empty()) return api::ErrorResponse(Error::Invalid("this request takes no fields"));
               return OrderReply(orders.Refund(who, req.Param("id")));
             }));

  router.Add("GET", "/v1/orders/{id}/events",
             Authenticated(identity, {}, [&orders, &hub](const Principal& who, net::Request& req) {
               return Events(orders, hub, who, req);
             }));

  router.Add("GET", "/v1/ws",
             Authenticated(identity, {}, [&orders, &hub, exts = std::move(ws_extensions)](const Principal& who,
                                                                                          net::Request&) {
               net::WebSocketHandlers h;
               h.on_open = [who, exts](const std::shared_ptr<net::WebSocket>& ws) {
                 auto state = std::make_shared<WsState>();
                 state->who = who;
                 ws->user_data = state;
                 for (auto* ext : exts) ext->OnOpen(ws, who);
               };
               h.on_message = [&orders, &hub, exts](const std::shared_ptr<net::WebSocket>& ws, std::string_view text) {
                 OnWsMessage(orders, hub, exts, ws, text);
               };
               h.try_inline = [exts](const std::shared_ptr<net::WebSocket>& ws, std::string_view text) {
                 return TryInline(exts, ws, text);
               };
               h.on_close = [exts](const std::shared_ptr<net::WebSocket>& ws) {
                 auto state = std::static_pointer_cast<WsState>(ws->user_data);
                 if (!state) return;
                 for (auto* ext : exts) ext->OnClose(ws, state->who);
                 std::map<std::string, std::shared_ptr<OrderFeed>> feeds;
                 {
                   std::lock_guard lock(state->mu);
                   feeds.swap(state->feeds);
                 }
                 for (auto& [id, f] : feeds) f->Stop();
               };
               return net::Response::Upgrade(std::move(h));
             }));
}

}  // namespace hotpath::orders
