#pragma once
// TiDB's binary JSON (the jsonFlag datum payload): a type code byte followed by the value.
// Decoding validates every offset against its container and bounds nesting depth, values visited
// and rendered size, since the bytes come from the wire. Pure functions; thread-safe.

#include <cstddef>
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

// Bounds on rendering one value. Container entries may point at one shared offset; TiDB's encoder
// never writes that (each element is stored once), but followed naively nine levels of ten
// entries sharing the level below are 531 bytes rendering to 4.2 GB. An honest value has at most
// one value per 5 input bytes (each has its own 5-byte entry in its container) and renders to at
// most about 6 times its size (a control character in a string prints as \u00XX), so decoding
// fails as corrupt once it visits more values than the input has bytes, or once the text passes
// max(64 MiB, 8 x the input's size): the floor keeps every small honest value far inside the limit,
// the multiple keeps large honest values (TiDB's txn-entry-size-limit allows 120 MB) decodable.
inline constexpr size_t kMaxRenderedJsonFloor = size_t{64} << 20;
inline constexpr size_t kMaxRenderedJsonPerInputByte = 8;

// JSON text of a binary JSON value (`bytes` = type code + value), formatted as TiDB/MySQL
// print it: `{"a": 1, "b": [true, null]}`. Corruption past the bounds above.
Result<std::string> json_binary_to_text(std::string_view bytes);

// Binary JSON (type code + value) of a JSON text; object keys sorted by bytes as TiDB does.
Result<std::string> json_text_to_binary(std::string_view text);

}  // namespace sluice::codec
