#include "cache/redis_conn.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <mutex>

namespace hotpath::cache {
namespace {

std::string SslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "TLS handshake failed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// One client context per CA file, made once (loading the system's trust store is not free).
SSL_CTX* ClientContext(const std::string& ca_file, std::string* error) {
  static std::mutex mu;
  static std::map<std::string, SSL_CTX*> contexts;
  std::lock_guard lock(mu);
  if (auto it = contexts.find(ca_file); it != contexts.end()) return it->second;
  // OpenSSL writes with write(2): a peer that went away must not kill the process with SIGPIPE
  // (plain TCP uses MSG_NOSIGNAL). hotpath's commands ignore it anyway; this covers every user.
  signal(SIGPIPE, SIG_IGN);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    *error = SslError();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  int ok = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                           : SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  if (ok != 1) {
    *error = fmt::format("cannot load CA certificates {}: {}", ca_file.empty() ? "(system)" : ca_file, SslError());
    SSL_CTX_free(ctx);
    return nullptr;
  }
  contexts[ca_file] = ctx;
  return ctx;
}

void SetTimeout(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A connected blocking socket, or -1 with the reason.
int ConnectTcp(const std::string& host, int port, std::chrono::milliseconds timeout, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    *error = fmt::format("cannot resolve {}: {}", host, gai_strerror(rc));
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = poll(&p, 1, static_cast<int>(timeout.count()));
      int err = 0;
      socklen_t len = sizeof err;
      if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        rc = 0;
      } else {
        errno = rc == 0 ? ETIMEDOUT : (err ? err : errno);
        rc = -1;
      }
    }
    if (rc != 0) {
      *error = fmt::format("cannot connect to {}:{}: {}", host, port, std::strerror(errno));
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return -1;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool IsIpAddress(const std::string& host) {
  in6_addr buf{};
  return inet_pton(AF_INET, host.c_str(), &buf) == 1 || inet_pton(AF_INET6, host.c_str(), &buf) == 1;
}

}  // namespace

std::unique_ptr<RedisConn> RedisConn::Open(const RedisEndpoint& ep, std::chrono::milliseconds connect_timeout,
                                           std::chrono::milliseconds op_timeout, std::string* error) {
  std::unique_ptr<RedisConn> c(new RedisConn());
  c->fd_ = ConnectTcp(ep.host, ep.port, connect_timeout, error);
  if (c->fd_ < 0) return nullptr;
  // The handshake and AUTH are bounded by the connect timeout, later operations by op_timeout.
  SetTimeout(c->fd_, connect_timeout);
  if (ep.tls) {
    SSL_CTX* ctx = ClientContext(ep.ca_file, error);
    if (!ctx) return nullptr;
    c->ssl_ = SSL_new(ctx);
    SSL_set_fd(c->ssl_, c->fd_);
    if (IsIpAddress(ep.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl_), ep.host.c_str());
    } else {
      SSL_set_tlsext_host_name(c->ssl_, ep.host.c_str());
      SSL_set1_host(c->ssl_, ep.host.c_str());
    }
    ERR_clear_error();
    if (SSL_connect(c->ssl_) != 1) {
      long verify = SSL_get_verify_result(c->ssl_);
      *error = verify != X509_V_OK ? fmt::format("TLS: certificate of {} not trusted: {}", ep.host,
                                                 X509_verify_cert_error_string(verify))
                                   : fmt::format("TLS: {}", SslError());
      return nullptr;
    }
  }
  c->reader_ = redisReaderCreate();
  auto command = [&](std::vector<std::string> cmd, const char* what) {
    c->Append(cmd);
    if (!c->Flush(error)) return false;
    auto reply = c->Read(error);
    if (!reply) return false;
    if (reply->type == REDIS_REPLY_ERROR) {
      *error = fmt::format("{}: {}", what, std::string(reply->str, reply->len));
      return false;
    }
    return true;
  };
  if (!ep.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!ep.user.empty()) auth.push_back(ep.user);
    auth.push_back(ep.password);
    if (!command(auth, "AUTH")) return nullptr;
  }
  if (ep.db != 0 && !command({"SELECT", std::to_string(ep.db)}, "SELECT")) return nullptr;
  SetTimeout(c->fd_, op_timeout);  // 0: no timeout
  return c;
}

RedisConn::~RedisConn() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) close(fd_);
  if (reader_) redisReaderFree(reader_);
}

void RedisConn::Shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

void RedisConn::Append(const std::vector<std::string>& command) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : command) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* formatted = nullptr;
  int n = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(), lens.data());
  if (n > 0) out_.append(formatted, static_cast<std::size_t>(n));
  redisFreeCommand(formatted);
}

long RedisConn::SendSome(const char* buf, std::size_t n) {
  if (ssl_) return SSL_write(ssl_, buf, static_cast<int>(n));
  return ::send(fd_, buf, n, MSG_NOSIGNAL);
}

long RedisConn::Recv(char* buf, std::size_t n) {
  if (ssl_) return SSL_read(ssl_, buf, static_cast<int>(n));
  return ::recv(fd_, buf, n, 0);
}

bool RedisConn::Flush(std::string* error) {
  std::size_t sent = 0;
  while (sent < out_.size()) {
    long n = SendSome(out_.data() + sent, out_.size() - sent);
    if (n <= 0) {
      if (n < 0 && !ssl_ && errno == EINTR) continue;
      *error = n == 0 ? "connection closed" : fmt::format("write: {}", ssl_ ? SslError() : std::strerror(errno));
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  out_.clear();
  return true;
}

RedisConn::Reply RedisConn::Read(std::string* error) {
  for (;;) {
    void* reply = nullptr;
    if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
      *error = "protocol error";
      return Reply(nullptr, freeReplyObject);
    }
    if (reply) return Reply(static_cast<redisReply*>(reply), freeReplyObject);
    char buf[16384];
    long n = Recv(buf, sizeof buf);
    if (n <= 0) {
      if (n < 0 && !ssl_ && errno == EINTR) continue;
      *error = n == 0 ? "connection closed"
                      : (errno == EAGAIN || errno == EWOULDBLOCK) ? "timed out"
                                                                  : fmt::format("read: {}", std::strerror(errno));
      return Reply(nullptr, freeReplyObject);
    }
    redisReaderFeed(reader_, buf, static_cast<std::size_t>(n));
  }
}

}  // namespace hotpath::cache
