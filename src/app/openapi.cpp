#include "app/openapi.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <string_view>

namespace hotpath::app {
namespace bj = boost::json;
namespace {

struct Operation {
  const char* method;
  const char* path;
  const char* summary;
  const char* security;  // "none", "bearer"
  const char* roles;
  const char* request_schema;  // $ref name in components, or ""
  int success;
  const char* response_schema;
};

constexpr Operation kOperations[] = {
    {"POST", "/v1/auth/signup", "Create a customer account and get a token", "none", "", "Signup", 201,
     "Session"},
    {"POST", "/v1/auth/login", "Exchange email and password for a token", "none", "", "Login", 200,
     "Session"},
    {"POST", "/v1/auth/logout",
     "Revoke the presented bearer token in every api process (204); it gets 401 from then on", "bearer", "any", "",
     204, ""},
    {"POST", "/v1/users", "Create a staff, rider or admin account", "bearer", "admin", "NewUser", 201,
     "User"},
    {"GET", "/v1/users/me", "The caller's account", "bearer", "any", "", 200, "User"},
    {"POST", "/v1/zones", "Create a delivery zone", "bearer", "admin", "NewZone", 201, "Zone"},
    {"GET", "/v1/zones", "List zones", "none", "", "", 200, "ZoneList"},
    {"POST", "/v1/restaurants", "Create a restaurant", "bearer", "admin", "NewRestaurant", 201, "Restaurant"},
    {"GET", "/v1/restaurants", "Restaurants near a point (lat, lon, radius_m, limit, cursor)", "none", "", "",
     200, "RestaurantPage"},
    {"GET", "/v1/restaurants/{id}", "One restaurant", "none", "", "", 200, "Restaurant"},
    {"GET", "/v1/restaurants/{id}/menu", "A restaurant's menu (with a Redis cache: ETag, If-None-Match 304)", "none", "", "", 200, "Menu"},
    {"POST", "/v1/restaurants/{id}/images",
     "Upload an image: the body is the raw bytes, Content-Type image/jpeg, image/png, image/webp or image/gif "
     "(checked against the content; 413 over the size limit, 415 for other types, 422 undecodable)",
     "bearer", "admin, restaurant staff", "", 201, "Image"},
    {"GET", "/v1/restaurants/{id}/images", "A restaurant's images, newest first", "none", "", "", 200,
     "ImageList"},
    {"GET", "/assets/{name}",
     "Immutable content-addressed bytes (ETag, Cache-Control immutable, If-None-Match 304, Range 206/416)", "none",
     "", "", 200, ""},
    {"POST", "/v1/restaurants/{id}/items", "Add a menu item", "bearer", "admin, restaurant staff", "NewItem",
     201, "MenuItem"},
    {"PATCH", "/v1/restaurants/{id}/items/{item_id}", "Change a menu item", "bearer",
     "admin, restaurant staff", "ItemPatch", 200, "MenuItem"},
    {"POST", "/v1/riders/me/online", "Go online at a position", "bearer", "rider", "LatLon", 200, "Rider"},
    {"POST", "/v1/riders/me/offline", "Go offline", "bearer", "rider", "", 200, "Rider"},
    {"POST", "/v1/riders/me/location", "Report the current position", "bearer", "rider", "LatLon", 200,
     "Rider"},
    {"GET", "/v1/riders/me", "The rider's status", "bearer", "rider", "", 200, "Rider"},
    {"POST", "/v1/riders/me/locations",
     "Report a batch of up to 1000 fixes (also {type: locations, fixes, ref?} on /v1/ws); jumps over "
     "200 km/h are flagged, not applied",
     "bearer", "rider", "FixBatch", 200, "IngestResult"},
    {"GET", "/v1/riders/nearby",
     "Nearest riders with a fresh fix (query: lat, lon, radius_m=2000, limit=10, status=available|busy|any)",
     "bearer", "admin", "", 200, "LiveRiderList"},
    {"GET", "/v1/riders/in-box", "Riders with a fresh fix in a box (query: min_lat, min_lon, max_lat, max_lon)",
     "bearer", "admin", "", 200, "LiveRiderList"},
    {"GET", "/v1/zones/{id}/riders", "Riders with a fresh fix inside the zone's polygon", "bearer", "admin", "",
     200, "LiveRiderList"},
    {"POST", "/v1/orders/quote",
     "Price a cart; the quote_id holds its delivery fee until expires_at (delivery_fee.breakdown explains it)",
     "bearer", "customer", "OrderRequest", 200, "Quote"},
    {"POST", "/v1/orders",
     "Place an order (Idempotency-Key header required); with quote_id it pays the quoted delivery fee (400 for a "
     "forged quote or one for another customer, restaurant or drop-off; 409 once expired)",
     "bearer", "customer", "PlaceOrder", 201, "Order"},
    {"GET", "/v1/orders/{id}", "An order with its history and payment", "bearer",
     "its customer, restaurant, rider; admin", "", 200, "Order"},
    {"POST", "/v1/orders/{id}/accept", "Accept with a preparation time", "bearer", "restaurant, admin",
     "Accept", 200, "Order"},
    {"POST", "/v1/orders/{id}/reject", "Reject with a reason", "bearer", "restaurant, admin", "Reason", 200,
     "Order"},
    {"POST", "/v1/orders/{id}/ready", "Food is ready for pickup", "bearer", "restaurant, admin", "", 200,
     "Order"},
    {"POST", "/v1/orders/{id}/pickup", "The assigned rider picked it up", "bearer", "rider", "", 200,
     "Order"},
    {"POST", "/v1/orders/{id}/deliver", "The assigned rider delivered it", "bearer", "rider", "", 200,
     "Order"},
    {"POST", "/v1/orders/{id}/cancel", "Cancel (customer before acceptance, restaurant, admin)", "bearer",
     "customer, restaurant, admin", "OptionalReason", 200, "Order"},
    {"POST", "/v1/orders/{id}/refund", "Refund a delivered order", "bearer", "admin", "", 200, "Order"},
    {"GET", "/v1/orders/{id}/events", "Server-Sent Events of the order's changes (honours Last-Event-ID)",
     "bearer", "its customer, restaurant, rider; admin", "", 200, ""},
    {"GET", "/v1/orders/{id}/track",
     "Live tracking as Server-Sent Events: every status event (id = sequence, honours Last-Event-ID; "
     "rider.arrived_restaurant and rider.arriving geofence events included) and `rider.position` events "
     "(no id, at most 1/s, coalesced) with eta_s; a subscriber too far behind gets `overflow` and is closed",
     "bearer", "its customer, restaurant, rider; admin", "", 200, ""},
    {"GET", "/v1/ws",
     "WebSocket; send {type: subscribe|unsubscribe, order_id, last_event_id?}, receive {type: event, "
     "order_id, id, "
     "event}; riders receive {type: offer|offer_expired, offer} and send {type: accept_offer|decline_offer, "
     "offer_id}; riders send {type: locations, fixes, ref?} (ack {type: locations_ack}); {type: track|untrack, "
     "order_id, last_event_id?} follows an order live ({type: event} and {type: position, position}); a "
     "subscriber too far behind is closed with code 1008",
     "bearer", "any", "", 101, ""},
    {"GET", "/v1/offers", "The rider's pending dispatch offers (also pushed on /v1/ws as {type: offer})",
     "bearer", "rider", "", 200, "OfferList"},
    {"POST", "/v1/offers/{id}/accept",
     "Accept an offer: its orders are assigned to the rider (409 with offer_status when no longer pending)",
     "bearer", "rider", "", 200, "AcceptedOffer"},
    {"POST", "/v1/offers/{id}/decline", "Decline an offer: its orders are re-planned", "bearer", "rider",
     "OptionalReason", 200, "OfferEnvelope"},
    {"GET", "/v1/dispatch/plan", "The live dispatcher's current plan of a zone (query: zone)", "bearer",
     "admin", "", 200, "DispatchPlan"},
    {"GET", "/v1/alarms", "Alarms with their state (query: state=OK|ALARM|INSUFFICIENT_DATA)", "bearer", "admin", "",
     200, "AlarmList"},
    {"GET", "/v1/alarms/{name}", "One alarm with its state and last datapoints", "bearer", "admin", "", 200,
     "Alarm"},
    {"PUT", "/v1/alarms/{name}", "Create (201) or replace (200) an alarm (409 for alarms from the config file)",
     "bearer", "admin", "AlarmDefinition", 201, "Alarm"},
    {"DELETE", "/v1/alarms/{name}", "Delete an alarm (409 for alarms from the config file)", "bearer", "admin", "",
     204, ""},
    {"GET", "/v1/alarms/{name}/history", "State changes and configuration updates, newest first", "bearer", "admin",
     "", 200, "AlarmHistory"},
    {"GET", "/v1/ops/live",
     "WebSocket for the operations console: {type: hello} then {type: snapshot} every interval (riders, open "
     "orders, dispatch plan, zones, routes, functions, alarms); access_token query parameter accepted",
     "bearer", "admin", "", 101, ""},
    {"GET", "/console", "The operations console (HTML)", "none", "", "", 200, ""},
    {"GET", "/console/{file}", "The operations console's static files", "none", "", "", 200, ""},
    {"GET", "/v1/zones/{id}/fee",
     "The zone's dynamic delivery fee: multiplier, live demand, riders, forecast and why (query: base_fee in minor "
     "units, default pricing.delivery_base_fee)",
     "bearer", "admin", "", 200, "ZoneFee"},
    {"GET", "/v1/forecast",
     "Hourly demand forecast of a zone with 10/50/90% quantiles (query: zone, from, to as RFC 3339; default the "
     "next 24 hours; 409 before the first model, 404 for a zone the model has not seen)",
     "bearer", "admin", "", 200, "Forecast"},
    {"POST", "/v1/forecast/retrain",
     "Retrain the demand model on the platform's order history now (empty body; 409 with less than "
     "forecast.forecast_min_history_days of orders)",
     "bearer", "admin", "", 200, "Retrained"},
    {"GET", "/v1/staffing/plan",
     "Couriers per hour and the minimum courier-hours shift plan of a zone for a day (query: zone, date "
     "YYYY-MM-DD; the hours still ahead within the forecast horizon)",
     "bearer", "admin", "", 200, "StaffingPlan"},
    {"GET", "/v1/analytics/zones/{id}",
     "Per-minute placed/delivered/cancelled counts and click-to-door of a zone (query: from, to, RFC 3339)",
     "bearer", "admin", "", 200, "ZoneAnalytics"},
    {"GET", "/v1/functions", "The functions (bus consumers) with their state (running or paused by an operator) and lag",
     "bearer", "admin", "", 200, "FunctionList"},
    {"POST", "/v1/functions/{name}/pause",
     "Pause a function: its consumer reads nothing (its lag grows) until resumed; kept across restarts (404 for an "
     "unknown function)",
     "bearer", "admin", "", 200, "Function"},
    {"POST", "/v1/functions/{name}/resume",
     "Resume a paused function: it goes on from its committed offsets (404 for an unknown function)", "bearer",
     "admin", "", 200, "Function"},
    {"GET", "/v1/me/notification-channels", "The caller's notification channels (webhook, email, push)", "bearer",
     "any", "", 200, "ChannelList"},
    {"POST", "/v1/me/notification-channels", "Add a notification channel (webhooks need a signing secret)",
     "bearer", "any", "NewChannel", 201, "Channel"},
    {"DELETE", "/v1/me/notification-channels/{id}", "Remove one of the caller's notification channels", "bearer",
     "any", "", 204, ""},
    {"GET", "/v1/openapi.json", "This document", "none", "", "", 200, ""},
    {"GET", "/healthz", "Liveness", "none", "", "", 200, ""},
    {"GET", "/readyz", "Readiness (503 while starting or draining)", "none", "", "", 200, ""},
    {"GET", "/metrics", "Prometheus metrics", "none", "", "", 200, ""},
};

constexpr const char* kComponents = R"json({
  "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
  "schemas": {
    "Money": {"type": "object", "required": ["amount", "currency"], "additionalProperties": false,
              "properties": {"amount": {"type": "integer", "minimum": 0, "description": "minor units"},
                             "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}},
    "LatLon": {"type": "object", "required": ["lat", "lon"], "additionalProperties": false,
               "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                              "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
    "Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                               "detail": {"type": "string"}, "current_status": {"type": "string"},
                               "errors": {"type": "array", "items": {"type": "object",
                                          "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}}}},
    "AlarmDefinition": {"type": "object", "required": ["metric", "statistic", "period_s", "threshold", "comparison"],
                        "additionalProperties": false,
                        "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                                       "metric": {"type": "string"},
                                       "labels": {"type": "object", "additionalProperties": {"type": "string"},
                                                  "description": "exact values, or ~regex"},
                                       "statistic": {"enum": ["sum", "average", "p50", "p90", "p99", "rate"]},
                                       "period_s": {"type": "integer", "minimum": 1, "maximum": 86400},
                                       "threshold": {"type": "number"},
                                       "comparison": {"enum": [">", ">=", "<", "<="]},
                                       "evaluation_periods": {"type": "integer", "minimum": 1},
                                       "datapoints_to_alarm": {"type": "integer", "minimum": 1},
                                       "notify": {"type": "array", "items": {"type": "string"},
                                                  "description": "http(s) webhook URLs and mailto: addresses"},
                                       "source": {"type": "string", "readOnly": true}}},
    "Alarm": {"allOf": [{"$ref": "#/components/schemas/AlarmDefinition"},
                        {"type": "object", "properties": {"state": {"enum": ["OK", "ALARM", "INSUFFICIENT_DATA"]},
                         "since": {"type": "string", "format": "date-time"}, "reason": {"type": "string"},
                         "evaluated_at": {"type": ["string", "null"]}, "datapoints": {"type": "array"}}}]},
    "AlarmList": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Alarm"}}}},
    "AlarmHistory": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object",
                     "properties": {"time": {"type": "string"}, "type": {"type": "string"}, "summary": {"type": "string"},
                                    "old_state": {"type": "string"}, "new_state": {"type": "string"},
                                    "reason": {"type": "string"}}}}}},
    "Function": {"type": "object", "properties": {"name": {"type": "string"},
                 "topics": {"type": "array", "items": {"type": "string"}}, "state": {"enum": ["running", "paused"]},
                 "lag": {"type": ["integer", "null"], "description": "events published and not yet handled (null in a process that runs no functions)"},
                 "concurrency": {"type": "integer"}, "max_attempts": {"type": "integer"},
                 "changed_at": {"type": ["string", "null"], "format": "date-time"},
                 "changed_by": {"type": ["string", "null"], "description": "the admin who last paused or resumed it, or cli"}}},
    "FunctionList": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Function"}}}},
    "Signup": {"type": "object", "required": ["email", "password", "name"], "additionalProperties": false,
               "properties": {"email": {"type": "string"}, "password": {"type": "string", "minLength": 8, "maxLength": 128},
                              "name": {"type": "string", "minLength": 1, "maxLength": 100}}},
    "Login": {"type": "object", "required": ["email", "password"], "additionalProperties": false,
              "properties": {"email": {"type": "string"}, "password": {"type": "string"}}},
    "NewUser": {"type": "object", "required": ["email", "password", "name", "role"], "additionalProperties": false,
                "properties": {"email": {"type": "string"}, "password": {"type": "string"}, "name": {"type": "string"},
                               "role": {"enum": ["customer", "restaurant", "rider", "admin"]},
                               "restaurant_id": {"type": "string"}}},
    "User": {"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"},
             "name": {"type": "string"}, "role": {"type": "string"}, "restaurant_id": {"type": "string"},
             "created_at": {"type": "string", "format": "date-time"}}},
    "Session": {"type": "object", "properties": {"user": {"$ref": "#/components/schemas/User"}, "token": {"type": "string"}}},
    "NewZone": {"type": "object", "required": ["name", "polygon"], "additionalProperties": false,
                "properties": {"name": {"type": "string"}, "polygon": {"type": "array", "minItems": 3, "maxItems": 1000,
                               "items": {"$ref": "#/components/schemas/LatLon"}}}},
    "Zone": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
             "polygon": {"type": "array", "items": {"$ref": "#/components/schemas/LatLon"}}}},
    "ZoneList": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Zone"}}}},
    "NewRestaurant": {"type": "object", "required": ["name", "location"], "additionalProperties": false,
                      "properties": {"name": {"type": "string"}, "location": {"$ref": "#/components/schemas/LatLon"},
                                     "zone_id": {"type": "string"}}},
    "Restaurant": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "location": {"$ref": "#/components/schemas/LatLon"}, "zone_id": {"type": ["string", "null"]},
                   "distance_m": {"type": "number"}}},
    "RestaurantPage": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Restaurant"}},
                       "next_cursor": {"type": ["string", "null"]}}},
    "NewItem": {"type": "object", "required": ["name", "price"], "additionalProperties": false,
                "properties": {"name": {"type": "string"}, "price": {"$ref": "#/components/schemas/Money"},
                               "available": {"type": "boolean"}}},
    "ItemPatch": {"type": "object", "minProperties": 1, "additionalProperties": false,
                  "properties": {"name": {"type": "string"}, "price": {"$ref": "#/components/schemas/Money"},
                                 "available": {"type": "boolean"}}},
    "MenuItem": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                 "price": {"$ref": "#/components/schemas/Money"}, "available": {"type": "boolean"}}},
    "ImageVariant": {"type": "object", "properties": {"url": {"type": "string"}, "width": {"type": "integer"},
                     "height": {"type": "integer"}}},
    "Image": {"type": "object", "properties": {"id": {"type": "string"}, "restaurant_id": {"type": "string"},
              "url": {"type": "string"}, "content_type": {"type": "string"}, "bytes": {"type": "integer"},
              "width": {"type": "integer"}, "height": {"type": "integer"},
              "thumbnails": {"type": "array", "items": {"$ref": "#/components/schemas/ImageVariant"}},
              "created_at": {"type": "string", "format": "date-time"}}},
    "ImageList": {"type": "object", "properties": {"images": {"type": "array", "items": {"$ref": "#/components/schemas/Image"}}}},
    "Menu": {"type": "object", "properties": {"restaurant_id": {"type": "string"},
             "items": {"type": "array", "items": {"$ref": "#/components/schemas/MenuItem"}}}},
    "Rider": {"type": "object", "properties": {"rider_id": {"type": "string"},
              "status": {"enum": ["offline", "available", "busy"]}, "location": {"$ref": "#/components/schemas/LatLon"},
              "zone_id": {"type": ["string", "null"]}}},
    "Fix": {"type": "object", "required": ["lat", "lon", "at"], "additionalProperties": false,
            "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                           "lon": {"type": "number", "minimum": -180, "maximum": 180},
                           "at": {"type": "string", "format": "date-time"},
                           "accuracy_m": {"type": "number", "minimum": 0}, "speed_mps": {"type": "number", "minimum": 0},
                           "heading_deg": {"type": "number", "minimum": 0, "maximum": 360}}},
    "FixBatch": {"type": "object", "required": ["fixes"], "additionalProperties": false,
                 "properties": {"fixes": {"type": "array", "minItems": 1, "maxItems": 1000,
                                          "items": {"$ref": "#/components/schemas/Fix"}}}},
    "IngestResult": {"type": "object", "properties": {"accepted": {"type": "integer"},
                     "flagged": {"type": "array", "items": {"type": "object", "properties": {"index": {"type": "integer"},
                                 "reason": {"type": "string"}, "implied_kmh": {"type": "number"}}}},
                     "duplicates": {"type": "integer"}, "latest": {"type": ["object", "null"]}}},
    "LiveRider": {"type": "object", "properties": {"rider_id": {"type": "string"}, "lat": {"type": "number"},
                  "lon": {"type": "number"}, "distance_m": {"type": "number"}, "status": {"enum": ["available", "busy"]},
                  "updated_at": {"type": "string", "format": "date-time"}}},
    "LiveRiderList": {"type": "object", "properties": {"zone_id": {"type": "string"},
                      "items": {"type": "array", "items": {"$ref": "#/components/schemas/LiveRider"}}}},
    "OrderRequest": {"type": "object", "required": ["restaurant_id", "items", "delivery"], "additionalProperties": false,
                     "properties": {"restaurant_id": {"type": "string"},
                                    "items": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "object",
                                              "required": ["item_id", "quantity"], "additionalProperties": false,
                                              "properties": {"item_id": {"type": "string"},
                                                             "quantity": {"type": "integer", "minimum": 1, "maximum": 100}}}},
                                    "delivery": {"type": "object", "required": ["lat", "lon", "address"],
                                                 "properties": {"lat": {"type": "number"}, "lon": {"type": "number"},
                                                                "address": {"type": "string"}}}}},
    "PlaceOrder": {"allOf": [{"$ref": "#/components/schemas/OrderRequest"},
                             {"type": "object", "required": ["payment_method"],
                              "properties": {"payment_method": {"type": "string", "examples": ["tok_visa", "tok_declined"]},
                                             "quote_id": {"type": "string", "description": "from POST /v1/orders/quote: pay its delivery fee"}}}]},
    "Quote": {"type": "object", "properties": {"subtotal": {"$ref": "#/components/schemas/Money"},
              "delivery_fee": {"type": "object", "required": ["amount", "currency"], "description": "Money plus its breakdown",
                "properties": {"amount": {"type": "integer", "minimum": 0}, "currency": {"type": "string"},
                               "breakdown": {"$ref": "#/components/schemas/FeeBreakdown"}}},
              "small_order_fee": {"$ref": "#/components/schemas/Money"},
              "total": {"$ref": "#/components/schemas/Money"}, "eta_minutes": {"type": "integer"},
              "distance_m": {"type": "integer"}, "quote_id": {"type": "string"},
              "expires_at": {"type": "string", "format": "date-time"}}},
    "FeeBreakdown": {"type": "object", "properties": {"base": {"$ref": "#/components/schemas/Money"},
                     "multiplier": {"type": "number"}, "surcharge": {"$ref": "#/components/schemas/Money"},
                     "demand": {"type": "object", "properties": {"orders_per_hour": {"type": "number"}}},
                     "riders": {"type": "object", "properties": {"available": {"type": "integer"}}},
                     "forecast": {"type": ["object", "null"], "properties": {"orders_per_hour": {"type": "number"}}},
                     "reason": {"type": "string"}}},
    "ForecastModel": {"type": "object", "properties": {"method": {"type": "string"},
                      "trained_at": {"type": "string", "format": "date-time"},
                      "last_observed_hour": {"type": "string", "format": "date-time"},
                      "horizon_hours": {"type": "integer"}, "calibration_residuals": {"type": "integer"},
                      "zones": {"type": "array", "items": {"type": "string"}}}},
    "Forecast": {"type": "object", "properties": {"zone_id": {"type": "string"}, "freq": {"const": "1h"},
                 "unit": {"type": "string"}, "model": {"$ref": "#/components/schemas/ForecastModel"},
                 "points": {"type": "array", "items": {"type": "object", "properties": {
                   "at": {"type": "string", "format": "date-time"}, "point": {"type": "number"},
                   "q10": {"type": "number"}, "q50": {"type": "number"}, "q90": {"type": "number"}}}}}},
    "Retrained": {"type": "object", "properties": {"model": {"$ref": "#/components/schemas/ForecastModel"},
                  "history": {"type": "object", "properties": {"from": {"type": "string", "format": "date-time"},
                              "hours": {"type": "integer"}, "orders": {"type": "integer"}}},
                  "seconds": {"type": "number"}}},
    "StaffingPlan": {"type": "object", "properties": {"zone_id": {"type": "string"}, "date": {"type": "string", "format": "date"},
                     "orders_per_courier_hour": {"type": "object", "properties": {"value": {"type": "number"},
                       "source": {"enum": ["measured", "config"]}, "deliveries": {"type": "integer"},
                       "busy_hours": {"type": "number"}}},
                     "utilisation": {"type": "number"}, "service_level": {"type": "number"},
                     "hours": {"type": "array", "items": {"type": "object", "properties": {
                       "at": {"type": "string", "format": "date-time"}, "demand": {"type": "number"},
                       "couriers": {"type": "integer"}, "on_duty": {"type": "integer"}}}},
                     "shifts": {"type": "array", "items": {"type": "object", "properties": {
                       "start": {"type": "string", "format": "date-time"}, "length_hours": {"type": "integer"},
                       "couriers": {"type": "integer"}}}},
                     "courier_hours": {"type": "integer"}, "courier_hours_needed": {"type": "integer"}}},
    "ZoneFee": {"type": "object", "properties": {"zone_id": {"type": "string"}, "dynamic_fees": {"type": "boolean"},
                "multiplier": {"type": "number"}, "target_multiplier": {"type": "number"}, "load": {"type": "number"},
                "fee": {"$ref": "#/components/schemas/Money"}, "breakdown": {"$ref": "#/components/schemas/FeeBreakdown"},
                "evaluated_at": {"type": ["string", "null"], "format": "date-time"},
                "next_refresh_at": {"type": ["string", "null"], "format": "date-time"},
                "settings": {"type": "object"}}},
    "Accept": {"type": "object", "required": ["prep_minutes"], "additionalProperties": false,
               "properties": {"prep_minutes": {"type": "integer", "minimum": 1, "maximum": 180}}},
    "Reason": {"type": "object", "required": ["reason"], "additionalProperties": false,
               "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}}},
    "OptionalReason": {"type": "object", "additionalProperties": false,
                       "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}}},
    "Offer": {"type": "object", "properties": {"id": {"type": "string"},
              "status": {"enum": ["pending", "accepted", "declined", "expired", "withdrawn"]},
              "rider_id": {"type": "string"}, "zone_id": {"type": "string"}, "restaurant_id": {"type": "string"},
              "order_ids": {"type": "array", "items": {"type": "string"}},
              "created_at": {"type": "string", "format": "date-time"}, "expires_at": {"type": "string", "format": "date-time"},
              "pickup_at": {"type": "string", "format": "date-time"},
              "dropoff_at": {"type": "array", "items": {"type": "string", "format": "date-time"}},
              "reason": {"type": "string"}}},
    "OfferList": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Offer"}}}},
    "OfferEnvelope": {"type": "object", "properties": {"offer": {"$ref": "#/components/schemas/Offer"}}},
    "AcceptedOffer": {"type": "object", "properties": {"offer": {"$ref": "#/components/schemas/Offer"},
                      "orders": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}}}},
    "DispatchPlan": {"type": "object", "properties": {"zone_id": {"type": "string"}, "mode": {"enum": ["optimised", "nearest"]},
                     "computed_at": {"type": ["string", "null"], "format": "date-time"},
                     "waiting_orders": {"type": "integer"}, "idle_riders": {"type": "integer"}, "stats": {"type": "object"},
                     "committed": {"type": "array", "items": {"type": "object"}},
                     "tentative": {"type": "array", "items": {"type": "object"}},
                     "postponed": {"type": "array", "items": {"type": "object", "properties": {"order_id": {"type": "string"}, "reason": {"type": "string"}}}},
                     "pending_offers": {"type": "array", "items": {"$ref": "#/components/schemas/Offer"}}}},
    "ZoneAnalytics": {"type": "object", "properties": {"zone_id": {"type": "string"},
                      "from": {"type": "string", "format": "date-time"}, "to": {"type": "string", "format": "date-time"},
                      "totals": {"type": "object", "properties": {"placed": {"type": "integer"}, "delivered": {"type": "integer"},
                                 "cancelled": {"type": "integer"}, "click_to_door_minutes": {"type": "object", "properties": {
                                   "mean": {"type": ["number", "null"]}, "p50": {"type": ["number", "null"]},
                                   "p90": {"type": ["number", "null"]}, "count": {"type": "integer"}}}}},
                      "minutes": {"type": "array", "items": {"type": "object", "properties": {
                                  "at": {"type": "string", "format": "date-time"}, "placed": {"type": "integer"},
                                  "delivered": {"type": "integer"}, "cancelled": {"type": "integer"}}}}}},
    "NewChannel": {"type": "object", "required": ["kind", "target"], "properties": {"kind": {"enum": ["webhook", "email", "push"]},
                   "target": {"type": "string"}, "secret": {"type": "string", "minLength": 16, "maxLength": 256}}},
    "Channel": {"type": "object", "properties": {"id": {"type": "string"}, "kind": {"enum": ["webhook", "email", "push"]},
                "target": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}},
    "ChannelList": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Channel"}}}},
    "Order": {"type": "object", "properties": {
      "id": {"type": "string"},
      "status": {"enum": ["placed", "accepted", "ready", "picked_up", "delivered", "rejected", "cancelled"]},
      "rider_id": {"type": ["string", "null"]}, "total": {"$ref": "#/components/schemas/Money"},
      "payment": {"type": "object", "properties": {"status": {"enum": ["authorized", "captured", "voided", "refunded", "declined"]}}},
      "history": {"type": "array", "items": {"type": "object", "properties": {"status": {"type": "string"},
                  "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"}}}}}}
  }
})json";

}  // namespace

std::vector<net::RouteInfo> DocumentedRoutes() {
  std::vector<net::RouteInfo> out;
  for (const auto& op : kOperations) out.push_back({op.method, op.path});
  return out;
}

std::string OpenApiDocument() {
  static const std::string doc = [] {
    bj::object paths;
    for (const auto& op : kOperations) {
      std::string method(op.method);
      for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      bj::object o{{"summary", op.summary}};
      if (std::string_view(op.roles).size()) o["description"] = std::string("Allowed: ") + op.roles;
      if (std::string_view(op.security) == "bearer")
        o["security"] = bj::array{bj::object{{"bearer", bj::array{}}}};
      bj::array params;
      std::string_view path(op.path);
      for (std::size_t pos = path.find('{'); pos != std::string_view::npos; pos = path.find('{', pos + 1)) {
        auto end = path.find('}', pos);
        params.push_back(bj::object{{"name", std::string(path.substr(pos + 1, end - pos - 1))},
                                    {"in", "path"},
                                    {"required", true},
                                    {"schema", bj::object{{"type", "string"}}}});
      }
      if (!params.empty()) o["parameters"] = std::move(params);
      if (*op.request_schema) {
        o["requestBody"] = bj::object{
            {"required", true},
            {"content",
             bj::object{{"application/json",
                         bj::object{{"schema", bj::object{{"$ref", std::string("#/components/schemas/") +
                                                                       op.request_schema}}}}}}}};
      }
      bj::object success{{"description", "success"}};
      if (*op.response_schema) {
        success["content"] = bj::object{
            {"application/json",
             bj::object{{"schema",
                         bj::object{{"$ref", std::string("#/components/schemas/") + op.response_schema}}}}}};
      }
      bj::object problem{
          {"description", "problem"},
          {"content",
           bj::object{{"application/problem+json",
                       bj::object{{"schema", bj::object{{"$ref", "#/components/schemas/Problem"}}}}}}}};
      bj::object responses{{std::to_string(op.success), std::move(success)}};
      if (std::string_view(op.path).rfind("/v1/", 0) == 0) {
        bj::object limited{
            {"description",
             "rate limited: the caller's token bucket (per user, and per client address when configured) is "
             "empty; retry after the Retry-After header's seconds (docs/cache.md)"},
            {"headers", bj::object{{"Retry-After",
                                    bj::object{{"description", "seconds until a token is back"},
                                               {"schema", bj::object{{"type", "integer"}, {"minimum", 1}}}}}}},
            {"content", problem["content"]}};
        responses["429"] = std::move(limited);
      }
      responses["4XX"] = std::move(problem);
      o["responses"] = std::move(responses);
      auto& entry = paths[op.path];
      if (!entry.is_object()) entry.emplace_object();
      entry.as_object()[method] = std::move(o);
    }
    bj::object doc{{"openapi", "3.1.0"},
                   {"info", bj::object{{"title", "hotpath"},
                                       {"version", "1"},
                                       {"description",
                                        "Real-time food delivery platform API. Money is integer minor "
                                        "units; errors are RFC 9457 problem+json."}}},
                   {"paths", std::move(paths)},
                   {"components", bj::parse(kComponents)}};
    return bj::serialize(doc);
  }();
  return doc;
}

}  // namespace hotpath::app
