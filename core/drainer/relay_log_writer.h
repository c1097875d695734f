#pragma once
// RelayLogWriter: the drainer's relay log (facts §4c; the original's `[syncer.relay]`). Every
// transaction the sinks are about to receive is first appended here as a secondary binlog
// (slave.binlog.Binlog) in the binlog-file framing and fsync'd, so that if the upstream is lost
// the drainer can bring the downstream to a transaction boundary from local files alone
// (RelayLogReader, DrainerNode's replay).
//
// Files rotate at `max_file_size` (the original's 10 MiB default) and a whole file is deleted once
// every sink's durable watermark has passed it: file N goes when the first commit_ts of file N+1
// is at or below the watermark (every transaction of N is older than that).
//
// Owns its files and the directory lock until destroyed. Not thread-safe: the syncer thread.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>

#include "core/common/result.h"
#include "core/drainer/transaction_batch.h"
#include "plugins/file/binlog_file_writer.h"

namespace sluice::drainer {

inline constexpr uint64_t kDefaultRelayMaxFileSize = uint64_t{10} << 20;  // the original's

struct RelayLogOptions {
  std::filesystem::path dir;
  uint64_t max_file_size = kDefaultRelayMaxFileSize;
};

class RelayLogWriter {
 public:
  // Creates the directory when missing; a torn last record left by a crash is cut off with a
  // warning (the reader would ignore it anyway).
  static Result<std::unique_ptr<RelayLogWriter>> open(RelayLogOptions options);

  // Appends every transaction of `batch` (its ABI view as the sinks will see it) and fsyncs.
  // When OK, the batch survives a crash.
  Status write(const TransactionBatch& batch);
  // Deletes the oldest files whose transactions are all at or below `durable_ts`; never the file
  // being written. Returns how many it deleted.
  Result<size_t> purge(int64_t durable_ts);

  uint64_t bytes_written() const { return bytes_written_; }
  const std::filesystem::path& dir() const { return options_.dir; }

  explicit RelayLogWriter(RelayLogOptions options) : options_(std::move(options)) {}

 private:
  // The commit_ts of the first record of file `index` (cached); nullopt when the file is empty.
  Result<std::optional<int64_t>> first_commit_ts(uint64_t index, const std::filesystem::path& path);

  RelayLogOptions options_;
  std::unique_ptr<file::BinlogFileWriter> writer_;
  std::map<uint64_t, int64_t> first_ts_;
  std::string encoded_;
  uint64_t bytes_written_ = 0;
};

}  // namespace sluice::drainer
