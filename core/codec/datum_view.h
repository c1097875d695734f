#pragma once
// DatumView: a decoded datum that does not own its bytes: compact bytes, decimals (still binary)
// and JSON (still binary) point into the input. Decoding one allocates nothing, except for the
// rare memcomparable bytes flag, whose decoded bytes go to a caller-provided scratch string.
// Valid as long as the input (and the scratch string) are.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/codec/byte_reader.h"
#include "core/codec/datum.h"

namespace sluice::codec {

struct DatumView {
  DatumKind kind = DatumKind::kNull;
  int64_t i64 = 0;
  uint64_t u64 = 0;
  double f64 = 0;
  std::string_view bytes;  // kBytes: the bytes; kDecimal: the binary decimal; kJson: type + value
  int precision = 0;       // kDecimal
  int scale = 0;           // kDecimal
};

Status decode_datum_view(ByteReader& reader, DatumView& out, std::string& scratch);

// Skips one datum (for columns a reader does not want).
Status skip_datum(ByteReader& reader);

// Writes the text of a binary decimal (as read_decimal_binary returns it) into `out`, which must
// hold kMaxDecimalTextSize bytes; returns the length.
inline constexpr size_t kMaxDecimalTextSize = 70;
Result<size_t> format_decimal_binary(std::string_view binary, int precision, int scale, char* out);

}  // namespace sluice::codec
