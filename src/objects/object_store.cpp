#include "objects/object_store.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <boost/url/parse.hpp>
#include <charconv>
#include <cstdlib>
#include <mutex>

#include "objects/file_store.h"
#include "objects/s3_store.h"

namespace hotpath::objects {
namespace {

Result<std::unique_ptr<ObjectStore>> OpenS3(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Error::Invalid(fmt::format("objects URL '{}': {}", url, parsed.error().message()));
  S3Options o;
  o.bucket = std::string(parsed->host());
  if (o.bucket.empty()) return Error::Invalid("objects URL: s3:// needs a bucket name (s3://BUCKET?...)");
  if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/")
    return Error::Invalid("objects URL: key prefixes after the bucket are not supported");
  for (auto param : parsed->params()) {
    if (param.key == "endpoint") {
      o.endpoint = param.value;
      while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
      if (o.endpoint.rfind("http://", 0) != 0 && o.endpoint.rfind("https://", 0) != 0)
        return Error::Invalid("objects URL: endpoint must start with http:// or https://");
    } else if (param.key == "region") {
      o.region = param.value;
    } else if (param.key == "part_size") {
      std::size_t n = 0;
      auto [p, ec] = std::from_chars(param.value.data(), param.value.data() + param.value.size(), n);
      if (ec != std::errc() || p != param.value.data() + param.value.size() || n < (5u << 20) || n > (5ull << 30))
        return Error::Invalid("objects URL: part_size must be a byte count between 5 MiB and 5 GiB");
      o.part_size = n;
    } else {
      return Error::Invalid(fmt::format("objects URL: unknown parameter '{}' (endpoint, region, part_size)",
                                        std::string(param.key)));
    }
  }
  if (o.region.empty()) return Error::Invalid("objects URL: region must not be empty");
  if (o.endpoint.empty()) o.endpoint = "https://s3." + o.region + ".amazonaws.com";
  const char* ak = std::getenv("AWS_ACCESS_KEY_ID");
  const char* sk = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (!ak || !*ak || !sk || !*sk)
    return Error::Invalid("objects URL s3://: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  o.credentials.access_key = ak;
  o.credentials.secret_key = sk;
  if (const char* token = std::getenv("AWS_SESSION_TOKEN")) o.credentials.session_token = token;
  static std::once_flag curl_once;
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::unique_ptr<ObjectStore>(new S3ObjectStore(std::move(o)));
}

}  // namespace

Status ValidateKey(std::string_view key) {
  if (key.empty() || key.size() > 1024) return Error::Invalid("object key must be 1 to 1024 bytes");
  std::size_t start = 0;
  while (true) {
    auto slash = key.find('/', start);
    std::string_view seg = key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty() || seg == "." || seg == "..")
      return Error::Invalid(fmt::format("object key '{}' has an empty, '.' or '..' segment", key));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) return Error::Invalid("object key has a control character");
  }
  return OkStatus();
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url) {
  if (url.rfind("file:", 0) == 0) {
    std::string dir = url.substr(5);
    if (dir.rfind("//", 0) == 0) dir = dir.substr(2);  // file:///abs/path
    if (dir.empty()) return Error::Invalid("objects URL file: needs a directory (file:/path/to/objects)");
    HP_ASSIGN(auto store, FileObjectStore::Open(dir));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  if (url.rfind("s3://", 0) == 0) return OpenS3(url);
  return Error::Invalid(fmt::format("unsupported objects URL '{}' (file:DIR or s3://BUCKET?...)", url));
}

}  // namespace hotpath::objects
