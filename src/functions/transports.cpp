#include "functions/transports.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstring>
#include <ctime>
#include <memory>

#include "core/json.h"

namespace hotpath::functions {
namespace bj = boost::json;
namespace {

struct CurlFree {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Headers = std::unique_ptr<curl_slist, CurlFree>;

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

struct Reader {
  const std::string* data;
  size_t pos = 0;
};
size_t ReadBody(char* out, size_t size, size_t n, void* user) {
  auto* r = static_cast<Reader*>(user);
  size_t take = std::min(size * n, r->data->size() - r->pos);
  std::memcpy(out, r->data->data() + r->pos, take);
  r->pos += take;
  return take;
}

void Append(Headers& h, const std::string& line) { h.reset(curl_slist_append(h.release(), line.c_str())); }

Status Perform(CURL* c, const std::string& what) {
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return Error::Unavailable(fmt::format("{}: {}", what, curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (what.rfind("smtp", 0) == 0) return OkStatus();  // curl fails the transfer on an SMTP error reply
  if (status < 200 || status >= 300) return Error::Unavailable(fmt::format("{}: HTTP {}", what, status));
  return OkStatus();
}

// One handle per sending thread, reset before each use: its connection cache keeps connections to
// webhook endpoints, the SMTP relay and the push provider alive between deliveries.
CURL* Handle(const TransportSettings& s, const std::string& url) {
  thread_local std::unique_ptr<CURL, CurlFree> handle(curl_easy_init());
  CURL* h = handle.get();
  if (!h) return nullptr;
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<std::int64_t>(s.timeout.count(), 5000)));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Discard);
  return h;
}

Status PostJson(const TransportSettings& s, const std::string& url, const std::string& body, Headers headers,
                const std::string& what) {
  auto h = Handle(s, url);
  if (!h) return Error::Unavailable("cannot create a curl handle");
  Append(headers, "Content-Type: application/json");
  Append(headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  return Perform(h, what);
}

Status SendWebhook(const TransportSettings& s, const Delivery& d, std::int64_t now_s) {
  Headers headers;
  Append(headers, "Hotpath-Delivery-Id: " + d.id);
  Append(headers, fmt::format("Hotpath-Timestamp: {}", now_s));
  if (!d.secret.empty()) Append(headers, "Hotpath-Signature: " + WebhookSignature(d.secret, now_s, d.body));
  Append(headers, "User-Agent: hotpath-notify/1");
  return PostJson(s, d.target, d.body, std::move(headers), "webhook " + d.target);
}

Status SendEmail(const TransportSettings& s, const Delivery& d, std::int64_t now_s) {
  if (s.smtp_url.empty()) return Error::Unavailable("email: no SMTP server configured (notify.notify_smtp_url)");
  auto h = Handle(s, s.smtp_url);
  if (!h) return Error::Unavailable("cannot create a curl handle");
  char date[64];
  std::time_t t = now_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string message = fmt::format(
      "Message-ID: <{}@hotpath>\r\nDate: {}\r\nFrom: {}\r\nTo: {}\r\nSubject: {}\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
      d.id, date, s.smtp_from, d.target, d.subject, d.body);
  Reader reader{&message};
  Headers rcpt;
  Append(rcpt, d.target);
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, s.smtp_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(h, CURLOPT_READDATA, &reader);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  return Perform(h, "smtp " + s.smtp_url);
}

Status SendPush(const TransportSettings& s, const Delivery& d) {
  if (s.push_url.empty()) return Error::Unavailable("push: no provider configured (notify.notify_push_url)");
  boost::system::error_code ec;
  auto event = bj::parse(d.body, ec);
  bj::object data{{"delivery_id", d.id}, {"event_id", d.event_id}};
  std::string text = d.subject;
  if (!ec && event.is_object()) {
    if (const auto* type = event.as_object().if_contains("type")) data["type"] = *type;
    if (const auto* subject = event.as_object().if_contains("subject")) data["subject"] = *subject;
  }
  std::string body = bj::serialize(bj::object{{"to", d.target},
                                              {"message_id", d.id},
                                              {"notification", bj::object{{"title", "hotpath"}, {"body", text}}},
                                              {"data", std::move(data)}});
  Headers headers;
  if (!s.push_key.empty()) Append(headers, "Authorization: key=" + s.push_key);
  return PostJson(s, s.push_url, body, std::move(headers), "push " + s.push_url);
}

}  // namespace

std::string WebhookSignature(const std::string& secret, std::int64_t timestamp, const std::string& body) {
  std::string signed_text = fmt::format("{}.{}", timestamp, body);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return std::string("sha256=") + hex;
}

Status Send(const TransportSettings& settings, const Delivery& d, std::int64_t now_s) {
  if (d.kind == "webhook") return SendWebhook(settings, d, now_s);
  if (d.kind == "email") return SendEmail(settings, d, now_s);
  if (d.kind == "push") return SendPush(settings, d);
  return Error::Invalid(fmt::format("unknown channel kind '{}'", d.kind));
}

}  // namespace hotpath::functions
