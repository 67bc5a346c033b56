#include "events/partition_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "events/log_format.h"
#include "events/partition_reader.h"

namespace hotpath::events {
namespace fs = std::filesystem;
namespace {
std::string ErrnoText() { return std::strerror(errno); }
}  // namespace

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::Unavailable(fmt::format("cannot open directory {}: {}", dir, ErrnoText()));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error::Unavailable(fmt::format("fsync {}: {}", dir, ErrnoText()));
  return OkStatus();
}

Result<std::unique_ptr<PartitionLog>> PartitionLog::Open(std::string dir, const LogOptions& options,
                                                         const Logger* log) {
  std::unique_ptr<PartitionLog> p(new PartitionLog(std::move(dir), options, log));
  auto segments = logfmt::ListSegments(p->dir_);
  if (segments.empty()) {
    HP_TRY(p->OpenSegment(0, true));
  } else {
    std::int64_t base = segments.back();
    std::string path = p->dir_ + "/" + logfmt::SegmentName(base);
    HP_ASSIGN(auto scan, ScanSegment(path, base));
    if (scan.torn_bytes > 0) {
      if (log) {
        log->Warn("event log: truncating a torn tail",
                  {{"segment", path}, {"valid_bytes", std::to_string(scan.valid_bytes)},
                   {"dropped_bytes", std::to_string(scan.torn_bytes)}});
      }
      if (::truncate(path.c_str(), static_cast<off_t>(scan.valid_bytes)) != 0)
        return Error::Unavailable(fmt::format("cannot truncate {}: {}", path, ErrnoText()));
    }
    HP_TRY(p->OpenSegment(base, false));
    p->size_ = p->durable_size_ = scan.valid_bytes;
    p->next_offset_ = scan.next_offset;
    p->last_timestamp_ = scan.last_timestamp;
    if (scan.torn_bytes > 0 && ::fdatasync(p->fd_) != 0)
      return Error::Unavailable(fmt::format("fdatasync {}: {}", path, ErrnoText()));
    p->start_offset_ = segments.front();
  }
  p->durable_end_ = p->next_offset_;
  return p;
}

PartitionLog::~PartitionLog() {
  if (fd_ >= 0) ::close(fd_);
}

Status PartitionLog::OpenSegment(std::int64_t base, bool create) {
  std::string path = dir_ + "/" + logfmt::SegmentName(base);
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0644);
  if (fd < 0) return Error::Unavailable(fmt::format("cannot open {}: {}", path, ErrnoText()));
  if (create) {
    if (::fsync(fd) != 0) {
      ::close(fd);
      return Error::Unavailable(fmt::format("fsync {}: {}", path, ErrnoText()));
    }
    HP_TRY(SyncDirectory(dir_));
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  base_ = base;
  size_ = durable_size_ = 0;
  return OkStatus();
}

std::int64_t PartitionLog::Stage(std::string_view key, std::string_view value, Millis now) {
  last_timestamp_ = std::max(last_timestamp_, now);
  std::int64_t offset = next_offset_++;
  logfmt::Encode(staged_, offset, last_timestamp_, key, value);
  return offset;
}

Status PartitionLog::Roll() {
  std::int64_t first_staged = durable_end();
  HP_TRY(OpenSegment(first_staged, true));
  return OkStatus();
}

Status PartitionLog::WriteStaged() {
  if (staged_.empty()) return OkStatus();
  if (size_ >= options_.segment_bytes) HP_TRY(Roll());
  std::size_t done = 0;
  while (done < staged_.size()) {
    ssize_t n = ::pwrite(fd_, staged_.data() + done, staged_.size() - done, static_cast<off_t>(size_ + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Unavailable(
          fmt::format("writing {}/{}: {}", dir_, logfmt::SegmentName(base_), ErrnoText()));
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += staged_.size();
  staged_.clear();
  return OkStatus();
}

Status PartitionLog::Sync() {
  if (size_ == durable_size_) return OkStatus();
  if (::fdatasync(fd_) != 0)
    return Error::Unavailable(fmt::format("fdatasync {}/{}: {}", dir_, logfmt::SegmentName(base_), ErrnoText()));
  durable_size_ = size_;
  durable_end_.store(next_offset_, std::memory_order_release);
  return OkStatus();
}

void PartitionLog::Rollback() {
  staged_.clear();
  if (size_ != durable_size_) {
    if (::ftruncate(fd_, static_cast<off_t>(durable_size_)) != 0 && log_)
      log_->Error("event log: cannot undo a failed write", {{"dir", dir_}, {"error", ErrnoText()}});
    size_ = durable_size_;
  }
  next_offset_ = durable_end();
}

void PartitionLog::EnforceRetention(Millis now) {
  auto segments = logfmt::ListSegments(dir_);
  std::uint64_t total = 0;
  std::vector<std::uint64_t> sizes;
  std::vector<Millis> mtimes;
  for (auto b : segments) {
    struct stat st {};
    std::string path = dir_ + "/" + logfmt::SegmentName(b);
    if (::stat(path.c_str(), &st) != 0) {
      sizes.push_back(0);
      mtimes.push_back(now);
      continue;
    }
    sizes.push_back(static_cast<std::uint64_t>(st.st_size));
    mtimes.push_back(static_cast<Millis>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000);
    total += static_cast<std::uint64_t>(st.st_size);
  }
  bool removed = false;
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {  // the active segment stays
    bool too_big = total > options_.retention_bytes;
    bool too_old = mtimes[i] < now - options_.retention_ms;
    if (!too_big && !too_old) break;
    std::error_code ec;
    fs::remove(dir_ + "/" + logfmt::SegmentName(segments[i]), ec);
    if (ec) break;
    total -= sizes[i];
    start_offset_.store(segments[i + 1], std::memory_order_release);
    removed = true;
    if (log_) log_->Info("event log: retention removed a segment", {{"dir", dir_}, {"base", std::to_string(segments[i])}});
  }
  if (removed) (void)SyncDirectory(dir_);
}

}  // namespace hotpath::events
