#pragma once
// The writing side of one partition of the embedded log: recovery on open (truncating a torn
// tail), staged appends, one write and one fdatasync per batch, segment rolling and retention.
// Not thread-safe: the bus's writer thread owns it; `durable_end` may be read from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/result.h"

namespace hotpath::events {

struct LogOptions {
  std::uint64_t segment_bytes = 64ull << 20;        // roll to a new segment beyond this size
  std::uint64_t retention_bytes = 1ull << 30;       // per partition; oldest segments go first
  Millis retention_ms = 7LL * 24 * 3600 * 1000;     // segments last written before now - this go
  int default_partitions = 4;
};

class PartitionLog {
 public:
  static Result<std::unique_ptr<PartitionLog>> Open(std::string dir, const LogOptions& options,
                                                    const Logger* log);
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Encodes a record into the pending batch; returns its offset. Timestamps never go backwards.
  std::int64_t Stage(std::string_view key, std::string_view value, Millis now);
  [[nodiscard]] bool HasStaged() const { return !staged_.empty(); }
  // Writes the staged records (rolling the segment first if it is full).
  Status WriteStaged();
  // fdatasync; then the staged records count as durable.
  Status Sync();
  // Undoes staged or written-but-unsynced records after a failure.
  void Rollback();
  // Deletes whole segments beyond the retention limits (never the active one).
  void EnforceRetention(Millis now);

  [[nodiscard]] std::int64_t durable_end() const { return durable_end_.load(std::memory_order_acquire); }
  [[nodiscard]] std::int64_t start_offset() const { return start_offset_.load(std::memory_order_acquire); }
  [[nodiscard]] const std::string& dir() const { return dir_; }

 private:
  PartitionLog(std::string dir, const LogOptions& options, const Logger* log)
      : dir_(std::move(dir)), options_(options), log_(log) {}
  Status OpenSegment(std::int64_t base, bool create);
  Status Roll();

  std::string dir_;
  LogOptions options_;
  const Logger* log_;
  int fd_ = -1;
  std::int64_t base_ = 0;
  std::uint64_t size_ = 0;          // bytes written to the active segment
  std::uint64_t durable_size_ = 0;  // bytes of the active segment known durable
  std::int64_t next_offset_ = 0;
  Millis last_timestamp_ = 0;
  std::string staged_;
  std::atomic<std::int64_t> durable_end_{0};
  std::atomic<std::int64_t> start_offset_{0};
};

// fsync of a directory, so a created or renamed entry survives a crash.
Status SyncDirectory(const std::string& dir);

}  // namespace hotpath::events
