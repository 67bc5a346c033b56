#include "objects/file_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/clock.h"

namespace hotpath::objects {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kTempPrefix = ".tmp-";

Error IoError(std::string_view what, const fs::path& path, int err) {
  return Error::Unavailable(fmt::format("object store: {} {}: {}", what, path.string(), std::strerror(err)));
}

Status WriteAll(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write", path, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<FileObjectStore>> FileObjectStore::Open(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Error::Unavailable(fmt::format("object store: cannot create {}: {}", root.string(), ec.message()));
  return std::unique_ptr<FileObjectStore>(new FileObjectStore(fs::absolute(root)));
}

Status FileObjectStore::Put(const std::string& key, std::string_view data, const std::string&) {
  HP_TRY(ValidateKey(key));
  fs::path target = root_ / key;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return IoError("cannot create", target.parent_path(), ec.value());
  unsigned char rnd[8];
  RandomBytes(rnd, sizeof rnd);
  std::string suffix;
  for (unsigned char b : rnd) suffix += fmt::format("{:02x}", b);
  fs::path tmp = target.parent_path() / (std::string(kTempPrefix) + suffix);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create", tmp, errno);
  Status written = WriteAll(fd, data, tmp);
  if (written.ok() && ::fsync(fd) != 0) written = IoError("cannot sync", tmp, errno);
  ::close(fd);
  if (written.ok() && ::rename(tmp.c_str(), target.c_str()) != 0) written = IoError("cannot rename", tmp, errno);
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written;
  }
  // The rename is durable once the directory entry is.
  int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return OkStatus();
}

Result<std::string> FileObjectStore::Get(const std::string& key) {
  HP_TRY(ValidateKey(key));
  fs::path path = root_ / key;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return Error::NotFound("no object " + key);
    return IoError("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::NotFound("no object " + key);
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return IoError("cannot read", path, err);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return out;
}

Result<ObjectInfo> FileObjectStore::Head(const std::string& key) {
  HP_TRY(ValidateKey(key));
  std::error_code ec;
  auto status = fs::status(root_ / key, ec);
  if (ec || !fs::is_regular_file(status)) return Error::NotFound("no object " + key);
  auto size = fs::file_size(root_ / key, ec);
  if (ec) return Error::NotFound("no object " + key);
  return ObjectInfo{key, static_cast<std::int64_t>(size), "", ""};
}

Status FileObjectStore::Delete(const std::string& key) {
  HP_TRY(ValidateKey(key));
  fs::path path = root_ / key;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) return IoError("cannot delete", path, errno);
  return OkStatus();
}

Result<std::vector<ObjectInfo>> FileObjectStore::List(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    if (name.rfind(kTempPrefix, 0) == 0) continue;
    std::string key = fs::relative(it->path(), root_).generic_string();
    if (key.rfind(prefix, 0) != 0) continue;
    std::error_code size_ec;
    auto size = it->file_size(size_ec);
    if (size_ec) continue;  // deleted while listing
    out.push_back({key, static_cast<std::int64_t>(size), "", ""});
  }
  if (ec) return IoError("cannot list", root_, ec.value());
  std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Result<std::string> FileObjectStore::PresignGet(const std::string& key, std::chrono::seconds) {
  HP_ASSIGN(auto info, Head(key));
  return "file://" + (root_ / info.key).string();
}

}  // namespace hotpath::objects
