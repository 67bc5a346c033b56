#include "simulate/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace hotpath::simulate {
namespace bj = boost::json;

namespace {

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

bj::value HttpResponse::Json() const {
  boost::system::error_code ec;
  auto v = bj::parse(body, ec);
  if (ec) return nullptr;
  return v;
}

std::string HttpResponse::Describe() const {
  if (status == 0) return transport_error;
  auto v = Json();
  if (const auto* o = v.if_object()) {
    if (const auto* d = o->if_contains("detail"); d && d->is_string()) {
      return fmt::format("{} {}", status, std::string(d->get_string()));
    }
  }
  return fmt::format("{} {}", status, body.substr(0, 200));
}

void HttpClient::GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }

HttpClient::HttpClient(std::string base_url, long timeout_ms)
    : base_(std::move(base_url)), timeout_ms_(timeout_ms), curl_(curl_easy_init()) {}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::Post(const std::string& path, const bj::value& body, const std::string& token,
                              const std::vector<std::string>& headers) {
  return Send("POST", path, bj::serialize(body), token, headers);
}

HttpResponse HttpClient::Send(std::string_view method, const std::string& path, const std::string& body,
                              const std::string& token, const std::vector<std::string>& headers) {
  HttpResponse out;
  auto* c = static_cast<CURL*>(curl_);
  if (!c) {
    out.transport_error = "libcurl could not make a handle";
    return out;
  }
  curl_easy_reset(c);  // keeps the connection cache: the connection stays alive between requests
  std::string url = base_ + path;
  std::string verb(method);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  std::string auth;
  if (!token.empty()) {
    auth = "Authorization: Bearer " + token;
    list = curl_slist_append(list, auth.c_str());
  }
  if (verb == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    list = curl_slist_append(list, "Content-Type: application/json");
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, verb.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  if (list) curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  CURLcode rc = curl_easy_perform(c);
  if (list) curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    out.transport_error = fmt::format("{} {}: {}", verb, path, curl_easy_strerror(rc));
    out.body.clear();
    return out;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  out.status = static_cast<int>(status);
  return out;
}

}  // namespace hotpath::simulate
