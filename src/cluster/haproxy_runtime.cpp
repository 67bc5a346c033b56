#include "cluster/haproxy_runtime.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hotpath::cluster {

Result<std::string> HaproxyRuntime::Command(const std::string& command) const {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path)
    return Error::Invalid(fmt::format("HAProxy socket path too long: {}", path_));
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::Unavailable(fmt::format("socket: {}", std::strerror(errno)));
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    return Error::Unavailable(fmt::format("HAProxy runtime API {}: {}", path_, std::strerror(err)));
  }
  std::string line = command + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return Error::Unavailable(fmt::format("HAProxy runtime API: send: {}", std::strerror(err)));
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Error::Unavailable(fmt::format("HAProxy runtime API: recv: {}", std::strerror(err)));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Status HaproxyRuntime::Expect(const std::string& command) const {
  HP_ASSIGN(auto answer, Command(command));
  auto first = answer.find_first_not_of(" \r\n");
  if (first == std::string::npos) return OkStatus();
  std::string text = answer.substr(first);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  // `set server ... addr` answers with what changed; anything else is a refusal.
  if (text.rfind("IP changed", 0) == 0 || text.rfind("no need to change", 0) == 0 ||
      text.find("port changed") != std::string::npos)
    return OkStatus();
  return Error::Unavailable(fmt::format("HAProxy refused '{}': {}", command, text));
}

}  // namespace hotpath::cluster
