#pragma once
// MySQL's binary DECIMAL format (decimal2bin / bin2decimal), which TiDB's decimalFlag datums
// carry after a precision and a scale byte. Values cross Sluice as canonical text:
// "[-]<integer digits>[.<exactly scale digits>]". Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "core/codec/byte_reader.h"
#include "core/common/result.h"

namespace sluice::codec {

inline constexpr int kMaxDecimalPrecision = 65;  // MySQL's maximum
inline constexpr int kMaxDecimalScale = 30;

// Bytes the binary form of DECIMAL(precision, scale) occupies; -1 when the pair is invalid.
int decimal_binary_size(int precision, int scale);

// Reads one binary decimal of DECIMAL(precision, scale) and returns its text.
Result<std::string> read_decimal_binary(ByteReader& reader, int precision, int scale);

// Encodes `text` (e.g. "-12.5", "3", "0.001") as DECIMAL(precision, scale), rounding half away
// from zero to `scale` digits as MySQL does; fails when the integer part does not fit.
Result<std::string> decimal_text_to_binary(std::string_view text, int precision, int scale);

// Digits needed to hold `text` exactly: {precision, scale}, as TiDB's PrecisionAndFrac.
Result<std::pair<int, int>> decimal_precision_and_scale(std::string_view text);

}  // namespace sluice::codec
