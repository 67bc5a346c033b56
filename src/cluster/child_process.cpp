#include "cluster/child_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hotpath::cluster {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> out;
  for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// Only async-signal-safe calls between fork and exec (the parent has threads).
std::string Resolve(const std::string& program);

pid_t Spawn(std::vector<std::string> args, int log_fd, int stdout_fd) {
  args[0] = Resolve(args[0]);
  auto argv = Argv(args);
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setpgid(0, 0);  // a terminal's Ctrl-C reaches the supervisor only; it stops the children in order
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  ::dup2(stdout_fd >= 0 ? stdout_fd : log_fd, 1);
  ::dup2(log_fd, 2);
  ::execv(argv[0], argv.data());
  constexpr char kMsg[] = "hotpath cluster: exec failed\n";
  (void)!::write(2, kMsg, sizeof kMsg - 1);
  ::_exit(127);
}

// execv does not search PATH (execvp may allocate after fork): resolve the program first.
std::string Resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = (end > start ? dirs.substr(start, end - start) : ".") + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  for (const char* dir : {"/usr/sbin/", "/sbin/"}) {  // haproxy lives in sbin, often not on a user's PATH
    std::string candidate = dir + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return program;
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (running()) Stop(std::chrono::milliseconds(5000));
  if (pump_.joinable()) pump_.join();
}

Status ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path) {
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Error::Unavailable(fmt::format("cannot open {}: {}", log_path, std::strerror(errno)));
  pid_ = Spawn(argv, log_fd, -1);
  int err = errno;
  ::close(log_fd);
  if (pid_ < 0) return Error::Unavailable(fmt::format("fork: {}", std::strerror(err)));
  return OkStatus();
}

Status ChildProcess::StartServe(const std::vector<std::string>& argv, const std::string& log_path,
                                std::chrono::milliseconds timeout) {
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Error::Unavailable(fmt::format("cannot open {}: {}", log_path, std::strerror(errno)));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ::close(log_fd);
    return Error::Unavailable(fmt::format("pipe: {}", std::strerror(errno)));
  }
  pid_ = Spawn(argv, log_fd, fds[1]);
  ::close(fds[1]);
  if (pid_ < 0) {
    ::close(fds[0]);
    ::close(log_fd);
    return Error::Unavailable("fork failed");
  }
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  constexpr std::string_view kMarker = "listening on http://";
  for (;;) {
    auto nl = seen.find('\n', seen.find(kMarker) == std::string::npos ? seen.size() : seen.find(kMarker));
    if (auto at = seen.find(kMarker); at != std::string::npos && nl != std::string::npos) {
      std::string addr = seen.substr(at + kMarker.size(), nl - at - kMarker.size());
      port_ = static_cast<std::uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fds[0], POLLIN, 0};
    int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
    char buf[4096];
    ssize_t n = ready > 0 ? ::read(fds[0], buf, sizeof buf) : -1;
    if (ready > 0 && n > 0) {
      (void)!::write(log_fd, buf, static_cast<std::size_t>(n));
      seen.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (ready < 0 && errno == EINTR) continue;
    ::close(fds[0]);
    ::close(log_fd);
    Stop(std::chrono::milliseconds(2000));
    return Error::Unavailable(fmt::format("`{}` did not start (exit status {}); see {}", fmt::join(argv, " "),
                                          WIFEXITED(status_) ? WEXITSTATUS(status_) : -1, log_path));
  }
  pump_ = std::thread([in = fds[0], log_fd] {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(in, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) (void)!::write(log_fd, buf, static_cast<std::size_t>(n));
    }
    ::close(in);
    ::close(log_fd);
  });
  return OkStatus();
}

bool ChildProcess::Exited(int* status) {
  if (pid_ <= 0) return true;
  if (!exited_) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      exited_ = true;
      status_ = st;
    }
  }
  if (exited_ && status) *status = status_;
  return exited_;
}

void ChildProcess::Signal(int sig) const {
  if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

void ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0 || Exited()) return;
  Signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (!Exited()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      Signal(SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
      exited_ = true;
      status_ = st;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a child's exit
  }
  if (pump_.joinable()) pump_.join();
}

Result<std::string> HttpGet(std::uint16_t port, const std::string& path, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::Unavailable("socket failed");
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return Error::Unavailable(fmt::format("connect to port {}: {}", port, std::strerror(errno)));
  }
  std::string req = fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return Error::Unavailable("send failed");
  }
  std::string out;
  char buf[16384];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (out.rfind("HTTP/1.1 200", 0) != 0) return Error::Unavailable(fmt::format("GET {} on port {} failed", path, port));
  auto body = out.find("\r\n\r\n");
  if (body == std::string::npos) return Error::Unavailable("truncated answer");
  // The metrics answer is not chunked (Beast sets Content-Length for a string body).
  return out.substr(body + 4);
}

}  // namespace hotpath::cluster
