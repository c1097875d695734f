#pragma once
// TiDB's binary JSON (the jsonFlag datum payload): a type code byte followed by the value.
// Decoding validates every offset against its container and bounds nesting depth, since the
// bytes come from the wire. Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice::codec {

// Type codes of TiDB's binary JSON.
enum class JsonType : uint8_t {
  kObject = 0x01,
  kArray = 0x03,
  kLiteral = 0x04,
  kInt64 = 0x09,
  kUint64 = 0x0a,
  kFloat64 = 0x0b,
  kString = 0x0c,
  kOpaque = 0x0d,
  kDate = 0x0e,
  kDatetime = 0x0f,
  kTimestamp = 0x10,
  kDuration = 0x11,
};

inline constexpr int kMaxJsonDepth = 128;

// Length of the binary JSON at the start of `bytes` (type code included), as TiDB's
// PeekBytesAsJSON computes it; fails when it does not fit.
Result<size_t> json_binary_length(std::string_view bytes);

// JSON text of a binary JSON value (`bytes` = type code + value), formatted as TiDB/MySQL
// print it: `{"a": 1, "b": [true, null]}`.
Result<std::string> json_binary_to_text(std::string_view bytes);

// Binary JSON (type code + value) of a JSON text; object keys sorted by bytes as TiDB does.
Result<std::string> json_text_to_binary(std::string_view text);

}  // namespace sluice::codec
