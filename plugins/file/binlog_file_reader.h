#pragma once
// BinlogFileReader: reads the records of one binlog file (binlog_file_format.h) in order, for the
// file sink's recovery and for Reparo. Owns its file descriptor; movable, not copyable; one thread
// at a time.
//
// A bad record (wrong magic, a length running past the end, a CRC mismatch) is either a torn tail
// (no valid record starts anywhere after it: a write cut short by a crash, safe to cut off) or
// corruption in the middle of the file (a valid record follows it: data would be lost by cutting).
// next() reports both as kCorruption naming the file and the offset; torn_tail() tells them apart.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace sluice::file {

class BinlogFileReader {
 public:
  static Result<BinlogFileReader> open(const std::filesystem::path& path);

  BinlogFileReader(BinlogFileReader&& other) noexcept;
  BinlogFileReader& operator=(BinlogFileReader&& other) noexcept;
  BinlogFileReader(const BinlogFileReader&) = delete;
  BinlogFileReader& operator=(const BinlogFileReader&) = delete;
  ~BinlogFileReader();

  // true: `payload` holds the next record's payload. false: the clean end of the file. An error:
  // kIoError, or kCorruption for a bad record at offset() (then see torn_tail()).
  Result<bool> next(std::string& payload);

  // Where the next record starts; after a kCorruption, where the bad record starts.
  uint64_t offset() const { return offset_; }
  // The file's size when it was opened.
  uint64_t size() const { return size_; }
  // After next() returned kCorruption: true when no valid record follows the bad one.
  bool torn_tail() const { return torn_tail_; }
  // After next() returned kCorruption with torn_tail() false: moves to the first valid record
  // after the bad one, so that a reader told to skip corruption (Reparo's skip-corrupt) goes on
  // from there. Returns where the skipped bytes ended.
  uint64_t skip_bad_record() {
    offset_ = resume_at_;
    return offset_;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  BinlogFileReader(std::filesystem::path path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  // Why the record at `at` is bad, or empty when it is a valid record; its payload goes to
  // `payload` when valid.
  Result<std::string> check_record(uint64_t at, std::string& payload);
  Status read_exact(uint64_t at, size_t size, char* out);
  // True when a valid record starts at some offset after `at` (then at resume_at_).
  Result<bool> valid_record_after(uint64_t at);

  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
  bool torn_tail_ = false;
  uint64_t resume_at_ = 0;
};

// What scanning a whole file found.
struct BinlogFileScan {
  uint64_t records = 0;
  uint64_t valid_size = 0;  // the end of the last valid record
  uint64_t file_size = 0;
  std::string torn_reason;  // why the bytes after valid_size are not a record; empty if none
  bool has_torn_tail() const { return valid_size < file_size; }
};

// Reads every record of `path`. A torn tail is reported in the scan; corruption in the middle is
// an error (kCorruption) naming the file and offset.
Result<BinlogFileScan> scan_binlog_file(const std::filesystem::path& path);

// Every record payload of every binlog file of `dir`, in file and record order (for tools and
// tests: it holds everything in memory). Any bad record, torn tail included, is an error.
Result<std::vector<std::string>> read_binlog_directory(const std::filesystem::path& dir);

}  // namespace sluice::file
