#include "objects/s3_store.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "objects/s3_xml.h"

namespace hotpath::objects {
namespace {

struct CurlFree {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    static_cast<S3ObjectStore::Reply*>(user)->headers.emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

std::string StripQuotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

Error Refused(const std::string& what, const S3ObjectStore::Reply& reply) {
  std::string summary = s3xml::ErrorSummary(reply.body);
  return Error::Unavailable(fmt::format("s3: {} answered HTTP {}{}", what, reply.status,
                                        summary.empty() ? "" : " (" + summary + ")"));
}

}  // namespace

std::string S3ObjectStore::Reply::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

S3ObjectStore::S3ObjectStore(S3Options options) : options_(std::move(options)) {}

std::string S3ObjectStore::Describe() const {
  return fmt::format("s3://{}?endpoint={}&region={}", options_.bucket, options_.endpoint, options_.region);
}

std::string S3ObjectStore::ObjectPath(const std::string& key) const {
  return "/" + UriEncode(options_.bucket, false) + "/" + UriEncode(key, true);
}

Result<S3ObjectStore::Reply> S3ObjectStore::Send(const std::string& method, const std::string& key,
                                                 const std::string& query, std::string_view body,
                                                 const std::string& content_type) const {
  std::unique_ptr<CURL, CurlFree> h(curl_easy_init());
  if (!h) return Error::Unavailable("s3: cannot create a curl handle");
  std::string url = options_.endpoint + (key.empty() ? "/" + UriEncode(options_.bucket, false) : ObjectPath(key));
  if (!query.empty()) url += "?" + query;
  std::string sigv4 = "aws:amz:" + options_.region + ":s3";
  Reply reply;
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.timeout_s);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(c, CURLOPT_USERNAME, options_.credentials.access_key.c_str());
  curl_easy_setopt(c, CURLOPT_PASSWORD, options_.credentials.secret_key.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply);

  std::unique_ptr<curl_slist, SlistFree> headers;
  auto add = [&headers](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
  // S3 wants the payload's hash in a header; libcurl signs with it when present.
  add("x-amz-content-sha256: " + Sha256Hex(body));
  add("Expect:");
  if (!options_.credentials.session_token.empty()) add("x-amz-security-token: " + options_.credentials.session_token);
  if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT" || method == "POST") {
    add("Content-Type: " + (content_type.empty() ? std::string("application/octet-stream") : content_type));
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (method == "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    return Error::Unavailable(fmt::format("s3: {} {}: {}", method, options_.endpoint, curl_easy_strerror(rc)));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Status S3ObjectStore::Put(const std::string& key, std::string_view data, const std::string& content_type) {
  HP_TRY(ValidateKey(key));
  if (data.size() > options_.part_size) return PutMultipart(key, data, content_type);
  HP_ASSIGN(auto reply, Send("PUT", key, "", data, content_type));
  if (reply.status != 200) return Refused("PUT " + key, reply);
  return OkStatus();
}

Status S3ObjectStore::PutMultipart(const std::string& key, std::string_view data, const std::string& content_type) {
  HP_ASSIGN(auto started, Send("POST", key, "uploads=", "", content_type));
  if (started.status != 200) return Refused("initiate multipart upload of " + key, started);
  HP_ASSIGN(auto upload_id, s3xml::ParseUploadId(started.body));
  const std::string id_query = "uploadId=" + UriEncode(upload_id, false);
  auto abort = [&](Error error) -> Status {
    // Best effort: the upload is abandoned either way; S3 lifecycle rules reap what this misses.
    (void)Send("DELETE", key, id_query, "", "");
    return error;
  };
  std::vector<std::string> etags;
  for (std::size_t offset = 0, part = 1; offset < data.size(); offset += options_.part_size, ++part) {
    std::string_view chunk = data.substr(offset, options_.part_size);
    auto reply = Send("PUT", key, fmt::format("partNumber={}&{}", part, id_query), chunk, "");
    if (!reply.ok()) return abort(reply.error());
    if (reply->status != 200) return abort(Refused(fmt::format("upload part {} of {}", part, key), *reply));
    std::string etag = reply->Header("etag");
    if (etag.empty()) return abort(Error::Unavailable("s3: part answer without ETag"));
    etags.push_back(etag);
  }
  auto done = Send("POST", key, id_query, s3xml::CompleteMultipartBody(etags), "application/xml");
  if (!done.ok()) return abort(done.error());
  // S3 may answer 200 with an <Error> body when completion fails late.
  if (done->status != 200 || !s3xml::ErrorSummary(done->body).empty())
    return abort(Refused("complete multipart upload of " + key, *done));
  return OkStatus();
}

Result<std::string> S3ObjectStore::Get(const std::string& key) {
  HP_TRY(ValidateKey(key));
  HP_ASSIGN(auto reply, Send("GET", key, "", "", ""));
  if (reply.status == 404) return Error::NotFound("no object " + key);
  if (reply.status != 200) return Refused("GET " + key, reply);
  return std::move(reply.body);
}

Result<ObjectInfo> S3ObjectStore::Head(const std::string& key) {
  HP_TRY(ValidateKey(key));
  HP_ASSIGN(auto reply, Send("HEAD", key, "", "", ""));
  if (reply.status == 404) return Error::NotFound("no object " + key);
  if (reply.status != 200) return Refused("HEAD " + key, reply);
  ObjectInfo info{key, 0, StripQuotes(reply.Header("etag")), reply.Header("content-type")};
  std::string length = reply.Header("content-length");
  auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), info.size);
  if (ec != std::errc() || end != length.data() + length.size())
    return Error::Unavailable("s3: HEAD " + key + " answered without a Content-Length");
  return info;
}

Status S3ObjectStore::Delete(const std::string& key) {
  HP_TRY(ValidateKey(key));
  HP_ASSIGN(auto reply, Send("DELETE", key, "", "", ""));
  if (reply.status != 204 && reply.status != 200 && reply.status != 404) return Refused("DELETE " + key, reply);
  return OkStatus();
}

Result<std::vector<ObjectInfo>> S3ObjectStore::List(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::optional<std::string> token;
  do {
    // Parameters in canonical (sorted) order, values encoded.
    std::string query;
    if (token) query += "continuation-token=" + UriEncode(*token, false) + "&";
    query += "list-type=2&prefix=" + UriEncode(prefix, false);
    HP_ASSIGN(auto reply, Send("GET", "", query, "", ""));
    if (reply.status != 200) return Refused("list " + prefix, reply);
    HP_ASSIGN(auto page, s3xml::ParseListObjectsV2(reply.body));
    for (auto& o : page.objects) out.push_back(std::move(o));
    token = page.next_token;
  } while (token);
  return out;
}

Result<std::string> S3ObjectStore::PresignGet(const std::string& key, std::chrono::seconds ttl) {
  HP_TRY(ValidateKey(key));
  if (ttl.count() < 1 || ttl.count() > 7 * 24 * 3600)
    return Error::Invalid("presigned URL lifetime must be between 1 s and 7 days");
  PresignRequest r;
  auto sep = options_.endpoint.find("://");
  r.scheme = options_.endpoint.substr(0, sep);
  r.host = options_.endpoint.substr(sep + 3);
  r.path = ObjectPath(key);
  r.region = options_.region;
  r.credentials = options_.credentials;
  r.now = std::chrono::system_clock::now();
  r.expires = ttl;
  return PresignGetUrl(r);
}

}  // namespace hotpath::objects
