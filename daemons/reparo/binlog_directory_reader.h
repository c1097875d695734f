#pragma once
// BinlogDirectoryReader: every record of every binlog-* file of a directory (the file sink's or
// the original drainer's output), files in index order and records in file order, through the
// file sink's framing reader (plugins/file/binlog_file_reader.h). Owns the open file; one thread.
//
// A bad record in the middle of a file (valid records follow it) is an error naming the file and
// offset, unless `skip_corrupt`: then it is logged and reading goes on with the next valid record.
// A torn tail (nothing valid follows) at the end of the newest file is what a crash mid-write
// leaves: it is logged as a warning and reading stops there. A torn tail in an older file is
// treated as corruption (those records were followed by more files, so bytes went missing).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "plugins/file/binlog_file_format.h"
#include "plugins/file/binlog_file_reader.h"

namespace sluice::reparo {

struct BinlogRecord {
  std::string payload;
  std::filesystem::path file;
  uint64_t offset = 0;  // where the record starts in `file`
};

class BinlogDirectoryReader {
 public:
  // Lists the binlog files of `dir` (kNotFound when the directory does not exist; kCorruption when
  // indices are not contiguous).
  static Result<BinlogDirectoryReader> open(const std::filesystem::path& dir, bool skip_corrupt);

  // true: `record` holds the next record. false: no more records.
  Result<bool> next(BinlogRecord& record);

  size_t file_count() const { return files_.size(); }
  // Bad records skipped (skip_corrupt) and whether a torn tail ended the reading.
  uint64_t skipped_records() const { return skipped_; }
  bool stopped_at_torn_tail() const { return torn_tail_; }

 private:
  BinlogDirectoryReader(std::vector<file::BinlogFileEntry> files, bool skip_corrupt)
      : files_(std::move(files)), skip_corrupt_(skip_corrupt) {}

  std::vector<file::BinlogFileEntry> files_;
  bool skip_corrupt_ = false;
  size_t next_file_ = 0;
  std::optional<file::BinlogFileReader> reader_;
  uint64_t skipped_ = 0;
  bool torn_tail_ = false;
  bool done_ = false;
};

}  // namespace sluice::reparo
