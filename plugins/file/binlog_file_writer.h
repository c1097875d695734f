#pragma once
// BinlogFileWriter: appends framed records (binlog_file_format.h) to the binlog files of one
// directory, the way the original drainer's file output lays them out: rotation to the next index
// once a file reached the size limit, deletion of old files by age, and a directory lock (`.lock`,
// flock) so that two writers never share a directory.
//
// open() takes the lock and recovers the newest file: a torn tail (the last record cut short by a
// crash) is truncated with a warning naming the file and offset; a bad record with valid records
// after it is an error (nothing is cut).
//
// append() only frames into memory; write_out() hands the framed bytes to the kernel (rotating as
// needed: the finished file is fdatasync'd, the new file's directory entry fsync'd), sync() does
// that and fdatasyncs the current file. After sync() returns OK every record appended before it is
// on stable storage. A failed write leaves no partial record behind (the file is cut back to the
// last whole record) and keeps the unwritten bytes, so write_out()/sync() can simply be retried.
//
// Owns its files and lock until destroyed. Not thread-safe: one thread at a time.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "plugins/file/binlog_file_format.h"

namespace sluice::file {

struct BinlogFileWriterOptions {
  std::filesystem::path dir;  // created when missing
  uint64_t max_file_size = kDefaultMaxFileSize;
  // Receives warnings (the torn tail cut off at open). May be empty.
  std::function<void(std::string_view message)> warn;
};

class BinlogFileWriter {
 private:
  struct Passkey {
    explicit Passkey() = default;
  };

 public:
  static Result<std::unique_ptr<BinlogFileWriter>> open(BinlogFileWriterOptions options);

  // Use open().
  BinlogFileWriter(Passkey, BinlogFileWriterOptions options) : options_(std::move(options)) {}
  BinlogFileWriter(const BinlogFileWriter&) = delete;
  BinlogFileWriter& operator=(const BinlogFileWriter&) = delete;
  ~BinlogFileWriter();

  // Frames `payload` into the pending buffer (no I/O).
  void append(std::string_view payload);
  // Frames a payload that `encode(std::string& out)` appends to `out` (no copy, no I/O).
  template <typename Encode>
  void append_with(Encode&& encode) {
    const size_t start = pending_.size();
    pending_.append(kRecordHeaderSize, '\0');
    encode(pending_);
    finish_record(start);
  }

  // Drops the pending bytes from `mark` (a pending_bytes() value taken earlier, with no
  // write_out() since) on: undoes the appends made after it.
  void discard_pending_from(size_t mark) { pending_.resize(mark); }

  // Writes the pending records to the files, rotating when a file reached max_file_size.
  Status write_out();
  // write_out(), then fdatasync of the current file.
  Status sync();
  // Deletes the oldest binlog files last modified before `cutoff`, stopping at the first newer
  // one (so indices stay contiguous) and never the current file. Returns how many it deleted.
  Result<size_t> purge_older_than(std::filesystem::file_time_type cutoff);

  size_t pending_bytes() const { return pending_.size(); }
  uint64_t current_index() const { return index_; }
  const std::filesystem::path& current_path() const { return path_; }
  // Bytes in the current file (written, not necessarily synced).
  uint64_t current_size() const { return size_; }
  uint64_t rotations() const { return rotations_; }
  uint64_t syncs() const { return syncs_; }

 private:
  Status lock_directory();
  Status recover_or_create();
  Status create_file(uint64_t index);
  Status rotate();
  Status write_all(std::string_view bytes);
  void finish_record(size_t start);

  BinlogFileWriterOptions options_;
  int lock_fd_ = -1;
  int fd_ = -1;
  uint64_t index_ = 0;
  std::filesystem::path path_;
  uint64_t size_ = 0;
  std::string pending_;  // framed records not yet written
  uint64_t rotations_ = 0;
  uint64_t syncs_ = 0;
};

}  // namespace sluice::file
