#include "core/decode/value_conversion.h"

#include <fmt/format.h>

#include <charconv>

#include "core/codec/json_binary.h"
#include "core/codec/mysql_decimal.h"
#include "core/codec/mysql_time.h"

namespace sluice::decode {
namespace {

using codec::DatumKind;
using codec::DatumView;
namespace type = schema::mysql_type;

Status mismatch(DatumKind kind, const schema::ColumnInfo& column) {
  return Status::corruption(fmt::format("column '{}' of MySQL type {} holds a {} datum",
                                        column.name, static_cast<int>(column.type),
                                        codec::datum_kind_name(kind)));
}

bool is_integer_type(uint8_t t) {
  return t == type::kTiny || t == type::kShort || t == type::kInt24 || t == type::kLong ||
         t == type::kLonglong || t == type::kYear;
}

bool is_time_type(uint8_t t) {
  return t == type::kDate || t == type::kNewDate || t == type::kDatetime || t == type::kTimestamp;
}

// TiDB keeps a BIT(M) value within M bits; a wider one only comes from corrupt input, and would
// not survive the way out (the secondary binlog writes (M+7)/8 bytes; MySQL refuses it).
Result<sluice_value_t> bit_value(uint64_t bits, const schema::ColumnInfo& column) {
  if (column.flen > 0 && column.flen < 64 && (bits >> column.flen) != 0) {
    return Status::corruption(
        fmt::format("column '{}' of type BIT({}) holds {:#x}, wider than {} bits", column.name,
                    column.flen, bits, column.flen));
  }
  return uint64_value(bits);
}

int fsp_of(const schema::ColumnInfo& column) {
  return column.decimal < 0 ? 0 : std::min(column.decimal, 6);
}

// Writes `value` as exactly `width` decimal digits (zero-padded; the low digits when wider).
char* put_digits(char* out, uint32_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// "YYYY-MM-DD[ hh:mm:ss[.f]]" written straight into the arena (hot: one per time column).
sluice_value_t format_packed(uint64_t packed, const schema::ColumnInfo& column, TextArena& arena) {
  const codec::MysqlTime t = codec::unpack_time(packed);
  char* const start = arena.allocate(32);
  // A year above 9999 or fields past their range only come from corrupt input; they are printed
  // with their low digits rather than overflowing the buffer.
  char* out = put_digits(start, static_cast<uint32_t>(t.year), 4);
  *out++ = '-';
  out = put_digits(out, static_cast<uint32_t>(t.month), 2);
  *out++ = '-';
  out = put_digits(out, static_cast<uint32_t>(t.day), 2);
  if (column.type != type::kDate && column.type != type::kNewDate) {
    *out++ = ' ';
    out = put_digits(out, static_cast<uint32_t>(t.hour), 2);
    *out++ = ':';
    out = put_digits(out, static_cast<uint32_t>(t.minute), 2);
    *out++ = ':';
    out = put_digits(out, static_cast<uint32_t>(t.second), 2);
    const int fsp = fsp_of(column);
    if (fsp > 0) {
      uint32_t fraction = static_cast<uint32_t>(t.microsecond % 1000000);
      for (int i = fsp; i < 6; ++i)
        fraction /= 10;
      *out++ = '.';
      out = put_digits(out, fraction, fsp);
    }
  }
  return bytes_value(std::string_view(start, static_cast<size_t>(out - start)));
}

}  // namespace

codec::NewFormatKind new_format_kind(const schema::ColumnInfo& column) {
  using codec::NewFormatKind;
  const uint8_t t = column.type;
  if (is_integer_type(t)) {
    return column.is_unsigned() && t != type::kYear ? NewFormatKind::kUint : NewFormatKind::kInt;
  }
  if (t == type::kFloat || t == type::kDouble) return NewFormatKind::kFloat;
  if (t == type::kNewDecimal || t == type::kDecimal) return NewFormatKind::kDecimal;
  if (is_time_type(t)) return NewFormatKind::kTime;
  if (t == type::kDuration) return NewFormatKind::kDuration;
  if (t == type::kEnum || t == type::kSet || t == type::kBit) return NewFormatKind::kUint;
  if (t == type::kJson) return NewFormatKind::kJson;
  return NewFormatKind::kBytes;
}

Result<sluice_value_t> to_value(const DatumView& datum, const schema::ColumnInfo& column,
                                TextArena& arena) {
  if (datum.kind == DatumKind::kNull) return null_value();
  const uint8_t t = column.type;
  if (is_integer_type(t)) {
    const bool as_unsigned = column.is_unsigned() && t != type::kYear;
    if (datum.kind == DatumKind::kInt64) {
      return as_unsigned ? uint64_value(static_cast<uint64_t>(datum.i64)) : int64_value(datum.i64);
    }
    if (datum.kind == DatumKind::kUint64) {
      return as_unsigned ? uint64_value(datum.u64) : int64_value(static_cast<int64_t>(datum.u64));
    }
    return mismatch(datum.kind, column);
  }
  if (t == type::kFloat || t == type::kDouble) {
    if (datum.kind == DatumKind::kFloat64) return double_value(datum.f64);
    return mismatch(datum.kind, column);
  }
  if (t == type::kNewDecimal || t == type::kDecimal) {
    if (datum.kind != DatumKind::kDecimal) return mismatch(datum.kind, column);
    char* out = arena.allocate(codec::kMaxDecimalTextSize);
    SLUICE_ASSIGN_OR_RETURN(size_t length, codec::format_decimal_binary(
                                               datum.bytes, datum.precision, datum.scale, out));
    return bytes_value(std::string_view(out, length));
  }
  if (is_time_type(t)) {
    if (datum.kind == DatumKind::kUint64) return format_packed(datum.u64, column, arena);
    if (datum.kind == DatumKind::kBytes) return bytes_value(datum.bytes);  // already text
    return mismatch(datum.kind, column);
  }
  if (t == type::kDuration) {
    if (datum.kind == DatumKind::kInt64 || datum.kind == DatumKind::kDuration) {
      return bytes_value(arena.copy(codec::format_duration(datum.i64, fsp_of(column))));
    }
    return mismatch(datum.kind, column);
  }
  if (t == type::kEnum || t == type::kSet) {
    if (datum.kind == DatumKind::kUint64) return uint64_value(datum.u64);
    if (datum.kind == DatumKind::kInt64) return uint64_value(static_cast<uint64_t>(datum.i64));
    return mismatch(datum.kind, column);
  }
  if (t == type::kBit) {
    if (datum.kind == DatumKind::kUint64) return bit_value(datum.u64, column);
    if (datum.kind == DatumKind::kInt64) return bit_value(static_cast<uint64_t>(datum.i64), column);
    if (datum.kind == DatumKind::kBytes && datum.bytes.size() <= 8) {
      uint64_t value = 0;
      for (char byte : datum.bytes)
        value = (value << 8) | static_cast<uint8_t>(byte);
      return bit_value(value, column);
    }
    return mismatch(datum.kind, column);
  }
  if (t == type::kJson) {
    if (datum.kind != DatumKind::kJson) return mismatch(datum.kind, column);
    auto text = codec::json_binary_to_text(datum.bytes);
    if (!text.is_ok()) return text.status().with_context(fmt::format("column '{}'", column.name));
    return bytes_value(arena.copy(*text));
  }
  if (datum.kind == DatumKind::kBytes) return bytes_value(datum.bytes);
  return mismatch(datum.kind, column);
}

Result<sluice_value_t> to_value(const codec::Datum& datum, const schema::ColumnInfo& column,
                                TextArena& arena) {
  DatumView view;
  view.kind = datum.kind;
  view.i64 = datum.i64;
  view.u64 = datum.u64;
  view.f64 = datum.f64;
  switch (datum.kind) {
    case DatumKind::kBytes:
    case DatumKind::kJson:
      view.bytes = arena.copy(datum.text);
      break;
    case DatumKind::kDecimal: {
      // Owned decimals are text already.
      if (column.type != type::kNewDecimal && column.type != type::kDecimal) {
        return mismatch(datum.kind, column);
      }
      return bytes_value(arena.copy(datum.text));
    }
    default:
      break;
  }
  return to_value(view, column, arena);
}

sluice_value_t missing_column_value(const schema::ColumnInfo& column, TextArena& arena) {
  const uint8_t t = column.type;
  if (column.origin_default_value) {
    const std::string& text = *column.origin_default_value;
    const bool numeric_unsigned =
        column.is_unsigned() || t == type::kEnum || t == type::kSet || t == type::kBit;
    if (is_integer_type(t) || t == type::kEnum || t == type::kSet || t == type::kBit) {
      if (numeric_unsigned) {
        uint64_t value = 0;
        if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc()) {
          return uint64_value(value);
        }
      } else {
        int64_t value = 0;
        if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc()) {
          return int64_value(value);
        }
      }
    } else if (t == type::kFloat || t == type::kDouble) {
      return double_value(std::strtod(text.c_str(), nullptr));
    }
    return bytes_value(arena.copy(text));
  }
  if ((column.flag & schema::kNotNullFlag) == 0) return null_value();
  if (is_integer_type(t)) return column.is_unsigned() ? uint64_value(0) : int64_value(0);
  if (t == type::kEnum || t == type::kSet || t == type::kBit) return uint64_value(0);
  if (t == type::kFloat || t == type::kDouble) return double_value(0.0);
  if (t == type::kNewDecimal || t == type::kDecimal) return bytes_value("0");
  if (t == type::kJson) return bytes_value("null");
  return bytes_value("");
}

}  // namespace sluice::decode
