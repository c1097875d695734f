#pragma once
// The original drainer's binlog file format (tidb-binlog `pkg/binlogfile`), shared by the file
// sink, its tests and Reparo. A file is a sequence of records, no header or footer:
//
//   magic   u32 little-endian  0x1C1B0504 (471532804)
//   length  u64 little-endian  payload length
//   payload length bytes       (a marshalled pb_binlog.Binlog for the drainer's file output)
//   crc     u32 little-endian  CRC-32C (Castagnoli) of the payload
//
// Files are named binlog-%016d-YYYYMMDDhhmmss (index from 0, local time of creation); the parser
// also accepts binlog-<index> and binlog-<index>-<datetime>-<commitTS>[.tar.gz]. `.lock`, `.tmp`
// and `*checkpoint` files are not binlog files. Pure functions; thread-safe.

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace sluice::file {

inline constexpr uint32_t kRecordMagic = 0x1C1B0504;
inline constexpr size_t kRecordHeaderSize = 12;  // magic + length
inline constexpr size_t kRecordOverhead = 16;    // header + crc
// The original's SegmentSizeBytes for the drainer's file output.
inline constexpr uint64_t kDefaultMaxFileSize = uint64_t{512} << 20;
// The directory lock file (the original's `.lock`).
inline constexpr std::string_view kLockFileName = ".lock";

// "binlog-0000000000000007-20240102030405" for index 7 created at `created` (local time).
std::string binlog_file_name(uint64_t index, std::time_t created);

struct BinlogFileName {
  uint64_t index = 0;
  std::optional<int64_t> commit_ts;  // the 4-part archived form only
};

// Parses a binlog file name; nullopt for anything else (including lock, tmp, checkpoint files).
std::optional<BinlogFileName> parse_binlog_file_name(std::string_view name);

struct BinlogFileEntry {
  uint64_t index = 0;
  std::filesystem::path path;
};

// The binlog files of `dir`, by index. Fails when the directory cannot be read, or (kCorruption)
// when two files share an index or the indices are not contiguous, naming the files.
Result<std::vector<BinlogFileEntry>> list_binlog_files(const std::filesystem::path& dir);

// Appends one framed record holding `payload` to `out`.
void append_record(std::string& out, std::string_view payload);

// Little-endian helpers used by the writer and reader.
void put_u32_le(char* at, uint32_t value);
void put_u64_le(char* at, uint64_t value);
uint32_t get_u32_le(const char* at);
uint64_t get_u64_le(const char* at);

}  // namespace sluice::file
