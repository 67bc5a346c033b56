#include "events/partition_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hotpath::events {
namespace {
constexpr std::size_t kReadChunk = 1 << 20;

std::string ErrnoText() { return std::strerror(errno); }
}  // namespace

PartitionReader::PartitionReader(std::string dir) : dir_(std::move(dir)) {}
PartitionReader::~PartitionReader() { Close(); }

void PartitionReader::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  base_ = -1;
  buf_.clear();
  buf_pos_ = 0;
  file_pos_ = 0;
}

Status PartitionReader::Open(std::int64_t base) {
  Close();
  std::string path = dir_ + "/" + logfmt::SegmentName(base);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return Error::Unavailable(fmt::format("cannot open {}: {}", path, ErrnoText()));
  base_ = base;
  return OkStatus();
}

Result<bool> PartitionReader::Fill() {
  if (buf_pos_ > 0) {
    file_pos_ += buf_pos_;
    buf_.erase(0, buf_pos_);
    buf_pos_ = 0;
  }
  std::size_t have = buf_.size();
  buf_.resize(have + kReadChunk);
  ssize_t n = ::pread(fd_, buf_.data() + have, kReadChunk, static_cast<off_t>(file_pos_ + have));
  if (n < 0) {
    buf_.resize(have);
    return Error::Unavailable(fmt::format("reading {}/{}: {}", dir_, logfmt::SegmentName(base_), ErrnoText()));
  }
  buf_.resize(have + static_cast<std::size_t>(n));
  return n > 0;
}

Status PartitionReader::SeekOffset(std::int64_t offset) {
  min_time_.reset();
  auto segments = logfmt::ListSegments(dir_);
  if (segments.empty()) {
    Close();
    next_offset_ = offset;
    return OkStatus();
  }
  std::int64_t base = segments.front();
  for (auto b : segments) {
    if (b <= offset) base = b;
  }
  HP_TRY(Open(base));
  next_offset_ = std::max(offset, base);
  return OkStatus();
}

Status PartitionReader::SeekTime(Millis at) {
  HP_TRY(SeekOffset(0));
  min_time_ = at;
  return OkStatus();
}

Result<std::optional<LogRecord>> PartitionReader::Next(std::int64_t end, bool tail_may_tear) {
  while (true) {
    if (end >= 0 && next_offset_ >= end) return std::optional<LogRecord>();
    if (fd_ < 0) {
      auto segments = logfmt::ListSegments(dir_);
      if (segments.empty()) return std::optional<LogRecord>();
      auto min_time = min_time_;
      HP_TRY(SeekOffset(next_offset_));
      min_time_ = min_time;
      continue;
    }
    logfmt::Decoded d;
    auto st = logfmt::Decode(std::string_view(buf_).substr(buf_pos_), &d);
    if (st == logfmt::DecodeStatus::kOk) {
      buf_pos_ += d.size;
      if (d.offset < next_offset_) continue;  // before the seek target
      if (min_time_ && d.timestamp < *min_time_) continue;
      min_time_.reset();
      next_offset_ = d.offset + 1;
      return std::optional<LogRecord>(LogRecord{d.offset, d.timestamp, std::string(d.key), std::string(d.value)});
    }
    if (st == logfmt::DecodeStatus::kCorrupt && !tail_may_tear) return CorruptAt();
    HP_ASSIGN(bool more, Fill());
    if (more) continue;
    // Nothing more in this segment right now.
    std::int64_t newer = -1;
    for (auto b : logfmt::ListSegments(dir_)) {
      if (b > base_) {
        newer = b;
        break;
      }
    }
    if (buf_pos_ == buf_.size()) {
      if (newer < 0) return std::optional<LogRecord>();
      HP_TRY(Open(newer));
      continue;
    }
    // Bytes that do not decode at the end of the segment: a record still being written.
    if (st == logfmt::DecodeStatus::kIncomplete || newer < 0) return std::optional<LogRecord>();
    return CorruptAt();
  }
}

Error PartitionReader::CorruptAt() const {
  return Error::Internal(fmt::format("corrupt record in {}/{} at byte {} (CRC or length mismatch)", dir_,
                                     logfmt::SegmentName(base_), file_pos_ + buf_pos_));
}

Result<SegmentScan> ScanSegment(const std::string& path, std::int64_t base_offset) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error::Unavailable(fmt::format("cannot stat {}: {}", path, ec.message()));
  std::string data(size, '\0');
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::Unavailable(fmt::format("cannot open {}: {}", path, ErrnoText()));
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, data.data() + got, size - got, static_cast<off_t>(got));
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  data.resize(got);

  SegmentScan scan;
  scan.next_offset = base_offset;
  std::size_t pos = 0;
  std::string_view view(data);
  while (pos < view.size()) {
    logfmt::Decoded d;
    auto st = logfmt::Decode(view.substr(pos), &d);
    if (st != logfmt::DecodeStatus::kOk || d.offset != scan.next_offset) break;
    pos += d.size;
    scan.next_offset = d.offset + 1;
    scan.last_timestamp = d.timestamp;
    ++scan.records;
  }
  scan.valid_bytes = pos;
  scan.torn_bytes = view.size() - pos;
  // Torn or corrupt? A crash only ever cuts the end short: if a valid record follows the bad
  // bytes, something damaged acknowledged data and truncating would lose it.
  for (std::size_t p = pos + 1; p + logfmt::kHeaderBytes + logfmt::kFixedBodyBytes <= view.size(); ++p) {
    logfmt::Decoded d;
    if (logfmt::Decode(view.substr(p), &d) == logfmt::DecodeStatus::kOk && d.offset >= scan.next_offset) {
      return Error::Internal(fmt::format(
          "{} is corrupt at byte {} (valid records follow at byte {}); refusing to truncate acknowledged "
          "records; move the file away to recover manually",
          path, pos, p));
    }
  }
  return scan;
}

}  // namespace hotpath::events
