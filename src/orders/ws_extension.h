#pragma once
// A hook for other contexts that speak on the /v1/ws WebSocket (the live dispatcher sends offers to
// riders and takes their answers there). The orders context owns the socket and its
// subscribe/unsubscribe messages; every other message type is offered to the extension.

#include <boost/json/object.hpp>
#include <memory>
#include <string_view>

#include "identity/principal.h"
#include "net/http.h"

namespace hotpath::orders {

class WsExtension {
 public:
  virtual ~WsExtension() = default;
  virtual void OnOpen(const std::shared_ptr<net::WebSocket>& ws, const identity::Principal& who) = 0;
  // Returns false when `type` is not one of the extension's message types.
  virtual bool OnMessage(const std::shared_ptr<net::WebSocket>& ws, const identity::Principal& who,
                         std::string_view type, const boost::json::object& message) = 0;
  virtual void OnClose(const std::shared_ptr<net::WebSocket>& ws, const identity::Principal& who) = 0;
  // True when OnMessage handles `type` without blocking (no database, no waiting): such messages run
  // on the socket's I/O thread (net::WebSocketHandlers::try_inline), the others on the worker pool.
  [[nodiscard]] virtual bool HandlesInline(std::string_view /*type*/) const { return false; }
};

}  // namespace hotpath::orders
