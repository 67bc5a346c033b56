#pragma once
// Sequential reader of one partition directory of the embedded log. Used by in-process consumers
// (bounded by the durable end the writer publishes) and by other processes reading a live log
// (`hotpath events tail`), which stop at the last complete record. Every record's CRC is checked;
// a corrupt record is an error naming the file and byte, never skipped silently.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "events/log_format.h"

namespace hotpath::events {

struct LogRecord {
  std::int64_t offset = 0;
  Millis timestamp = 0;
  std::string key;
  std::string value;
};

class PartitionReader {
 public:
  explicit PartitionReader(std::string dir);
  ~PartitionReader();
  PartitionReader(const PartitionReader&) = delete;
  PartitionReader& operator=(const PartitionReader&) = delete;

  // The next Next() returns the first record with offset >= `offset` (or the log's first record
  // when `offset` is older than retention kept).
  Status SeekOffset(std::int64_t offset);
  // The next Next() returns the first record appended at or after `at`.
  Status SeekTime(Millis at);
  // The next record below `end` (no bound when end < 0); nullopt when there is none yet. With
  // `tail_may_tear` an unreadable record at the very end of the newest segment counts as "not yet
  // written completely" (a reader racing the writer) rather than corruption.
  Result<std::optional<LogRecord>> Next(std::int64_t end, bool tail_may_tear = false);
  // Offset the next record is expected to have.
  [[nodiscard]] std::int64_t position() const { return next_offset_; }

 private:
  Status Open(std::int64_t base);
  Result<bool> Fill();  // reads more of the current segment; false at its end
  void Close();
  [[nodiscard]] Error CorruptAt() const;

  std::string dir_;
  int fd_ = -1;
  std::int64_t base_ = -1;
  std::string buf_;
  std::size_t buf_pos_ = 0;
  std::uint64_t file_pos_ = 0;  // file offset of buf_[0]
  std::int64_t next_offset_ = 0;
  std::optional<Millis> min_time_;
};

// Recovery of the newest segment of a partition: the byte length of its valid prefix, the next
// offset and the last timestamp. A torn tail (no valid record after the first bad byte) is
// reported by `torn_bytes`; a bad record followed by valid ones is corruption, returned as an error.
struct SegmentScan {
  std::uint64_t valid_bytes = 0;
  std::uint64_t torn_bytes = 0;
  std::int64_t next_offset = 0;
  Millis last_timestamp = 0;
  std::int64_t records = 0;
};
Result<SegmentScan> ScanSegment(const std::string& path, std::int64_t base_offset);

}  // namespace hotpath::events
