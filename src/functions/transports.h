#pragma once
// How a notification leaves hotpath (libcurl for all three):
//   webhook  HTTP POST of the CloudEvent JSON with
//              Hotpath-Delivery-Id: <delivery id>     (the same on every retry: receivers dedupe on it)
//              Hotpath-Timestamp:   <unix seconds of this attempt>
//              Hotpath-Signature:   sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
//            a 2xx answer is success; anything else (or no answer) is retried.
//   email    SMTP (smtp:// or smtps:// URL), one message with Message-ID <delivery id@hotpath>.
//   push     HTTP POST of FCM-style JSON {"to", "message_id", "notification": {title, body}, "data"}
//            to the configured provider URL with "Authorization: key=<key>".

#include <chrono>
#include <string>

#include "core/result.h"

namespace hotpath::functions {

struct Delivery {
  std::string id;
  std::string event_id;
  std::string channel_id;
  std::string kind;    // webhook | email | push
  std::string target;  // URL, address or device token
  std::string secret;  // webhook signing secret
  std::string subject;       // the email subject / push title
  std::string ordering_key;  // the event's subject (an order id): one at a time per channel and key
  std::string body;  // the event JSON (webhook) or the text of the message
  int attempts = 0;
  std::int64_t created_at = 0;
};

struct TransportSettings {
  std::string smtp_url;
  std::string smtp_from = "hotpath@localhost";
  std::string push_url;
  std::string push_key;
  std::chrono::milliseconds timeout{10000};
};

// "sha256=<hex>" of HMAC-SHA256(secret, timestamp + "." + body).
std::string WebhookSignature(const std::string& secret, std::int64_t timestamp, const std::string& body);

// Sends one delivery; an error says why (it is retried by the caller).
Status Send(const TransportSettings& settings, const Delivery& d, std::int64_t now_s);

}  // namespace hotpath::functions
