#pragma once
// A small blocking HTTP/1.1 client on libcurl for the simulator: one instance per thread, kept-alive
// connection to one base URL. Not thread-safe; cheap to compile (no Beast templates).

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace hotpath::simulate {

struct HttpResponse {
  int status = 0;               // 0 when the request never got an answer (see transport_error)
  std::string body;
  std::string transport_error;  // curl's message: connection refused, timeout, ...
  [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
  // The body as JSON, or null when it is not JSON.
  [[nodiscard]] boost::json::value Json() const;
  // "409 conflict: <detail>" or the transport error, for messages.
  [[nodiscard]] std::string Describe() const;
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url, long timeout_ms = 30000);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `path` starts with '/'; `body` is sent as application/json when not empty (or when the method
  // is POST). `headers` are full header lines ("Idempotency-Key: x").
  HttpResponse Send(std::string_view method, const std::string& path, const std::string& body = "",
                    const std::string& token = "", const std::vector<std::string>& headers = {});
  HttpResponse Get(const std::string& path, const std::string& token = "") { return Send("GET", path, "", token); }
  HttpResponse Post(const std::string& path, const boost::json::value& body, const std::string& token = "",
                    const std::vector<std::string>& headers = {});

  // Once per process, before any thread makes a client.
  static void GlobalInit();

 private:
  std::string base_;
  long timeout_ms_;
  void* curl_;  // CURL*
};

}  // namespace hotpath::simulate
