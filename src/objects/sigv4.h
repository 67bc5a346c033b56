#pragma once
// AWS Signature Version 4 pieces that libcurl does not do for us: query-string signing for
// presigned URLs (libcurl's CURLOPT_AWS_SIGV4 signs requests it sends, with headers). Pure
// functions of their inputs (the time is a parameter), so the AWS documentation's worked example
// is a unit test.

#include <chrono>
#include <string>
#include <string_view>

namespace hotpath::objects {

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // optional (temporary credentials)
};

std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view message);
// RFC 3986 percent-encoding of everything but unreserved characters (and '/' when keep_slash).
std::string UriEncode(std::string_view s, bool keep_slash);
// "20130524T000000Z"
std::string AmzDate(std::chrono::system_clock::time_point t);

struct PresignRequest {
  std::string scheme = "https";
  std::string host;  // as sent in the Host header, with ":port" when not the default
  std::string path;  // canonical URI, already UriEncode'd (keep_slash), starting with '/'
  std::string region;
  std::string service = "s3";
  Credentials credentials;
  std::chrono::system_clock::time_point now;
  std::chrono::seconds expires{3600};  // 1 s .. 7 days (AWS's bounds); caller checks
};

// The presigned GET URL (UNSIGNED-PAYLOAD, signed header: host).
std::string PresignGetUrl(const PresignRequest& request);

}  // namespace hotpath::objects
