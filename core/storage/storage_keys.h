#pragma once
// Key encoding of the pump's RocksDB store: timestamps as 8-byte big-endian keys (so the default
// bytewise comparator orders them numerically for ts >= 0), int64 meta values as 8-byte
// little-endian, and the names of the column families and meta keys. Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::storage {

inline constexpr const char* kCommitFamily = "commit";      // BE commit_ts -> joined binlog
inline constexpr const char* kPrewriteFamily = "prewrite";  // BE start_ts -> unmatched P-binlog
inline constexpr const char* kMetaFamily = "meta";          // name -> int64 LE or bytes

inline constexpr std::string_view kMetaMaxCommitTs = "max_commit_ts";
inline constexpr std::string_view kMetaGcTs = "gc_ts";

// 8-byte big-endian encoding of a timestamp (ts >= 0).
std::string encode_ts_key(int64_t ts);
// Inverse of encode_ts_key; nullopt when `key` is not 8 bytes.
std::optional<int64_t> decode_ts_key(std::string_view key);

// 8-byte little-endian encoding of a meta value.
std::string encode_int64_le(int64_t value);
std::optional<int64_t> decode_int64_le(std::string_view bytes);

}  // namespace sluice::storage
