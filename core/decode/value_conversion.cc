#include "core/decode/value_conversion.h"

#include <fmt/format.h>

#include <charconv>

#include "core/codec/json_binary.h"
#include "core/codec/mysql_time.h"

namespace sluice::decode {
namespace {

using codec::Datum;
using codec::DatumKind;
namespace type = schema::mysql_type;

Status mismatch(const Datum& datum, const schema::ColumnInfo& column) {
  return Status::corruption(fmt::format("column '{}' of type {} holds {}", column.name,
                                        static_cast<int>(column.type),
                                        codec::to_debug_string(datum)));
}

bool is_integer_type(uint8_t t) {
  return t == type::kTiny || t == type::kShort || t == type::kInt24 || t == type::kLong ||
         t == type::kLonglong || t == type::kYear;
}

bool is_time_type(uint8_t t) {
  return t == type::kDate || t == type::kNewDate || t == type::kDatetime || t == type::kTimestamp;
}

int fsp_of(const schema::ColumnInfo& column) {
  return column.decimal < 0 ? 0 : std::min(column.decimal, 6);
}

std::string format_packed(uint64_t packed, const schema::ColumnInfo& column) {
  const codec::MysqlTime time = codec::unpack_time(packed);
  if (column.type == type::kDate || column.type == type::kNewDate) return codec::format_date(time);
  return codec::format_datetime(time, fsp_of(column));
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

Result<NeutralValue> to_neutral(const Datum& datum, const schema::ColumnInfo& column) {
  if (datum.kind == DatumKind::kNull) return NeutralValue{};
  const uint8_t t = column.type;
  if (is_integer_type(t)) {
    const bool as_unsigned = column.is_unsigned() && t != type::kYear;
    if (datum.kind == DatumKind::kInt64) {
      return as_unsigned ? NeutralValue{static_cast<uint64_t>(datum.i64)} : NeutralValue{datum.i64};
    }
    if (datum.kind == DatumKind::kUint64) {
      return as_unsigned ? NeutralValue{datum.u64} : NeutralValue{static_cast<int64_t>(datum.u64)};
    }
    return mismatch(datum, column);
  }
  if (t == type::kFloat || t == type::kDouble) {
    if (datum.kind == DatumKind::kFloat64) return NeutralValue{datum.f64};
    return mismatch(datum, column);
  }
  if (t == type::kNewDecimal || t == type::kDecimal) {
    if (datum.kind == DatumKind::kDecimal) return NeutralValue{datum.text};
    return mismatch(datum, column);
  }
  if (is_time_type(t)) {
    if (datum.kind == DatumKind::kUint64) return NeutralValue{format_packed(datum.u64, column)};
    if (datum.kind == DatumKind::kBytes) return NeutralValue{datum.text};  // already text
    return mismatch(datum, column);
  }
  if (t == type::kDuration) {
    if (datum.kind == DatumKind::kInt64 || datum.kind == DatumKind::kDuration) {
      return NeutralValue{codec::format_duration(datum.i64, fsp_of(column))};
    }
    return mismatch(datum, column);
  }
  if (t == type::kEnum || t == type::kSet || t == type::kBit) {
    if (datum.kind == DatumKind::kUint64) return NeutralValue{datum.u64};
    if (datum.kind == DatumKind::kInt64) return NeutralValue{static_cast<uint64_t>(datum.i64)};
    if (t == type::kBit && datum.kind == DatumKind::kBytes && datum.text.size() <= 8) {
      uint64_t value = 0;
      for (char byte : datum.text)
        value = (value << 8) | static_cast<uint8_t>(byte);
      return NeutralValue{value};
    }
    return mismatch(datum, column);
  }
  if (t == type::kJson) {
    if (datum.kind != DatumKind::kJson) return mismatch(datum, column);
    SLUICE_ASSIGN_OR_RETURN(std::string text, codec::json_binary_to_text(datum.text));
    return NeutralValue{std::move(text)};
  }
  if (datum.kind == DatumKind::kBytes) return NeutralValue{datum.text};
  return mismatch(datum, column);
}

Result<NeutralValue> missing_column_value(const schema::ColumnInfo& column) {
  const uint8_t t = column.type;
  if (column.origin_default_value) {
    const std::string& text = *column.origin_default_value;
    if (is_integer_type(t) || t == type::kEnum || t == type::kSet || t == type::kBit) {
      if (column.is_unsigned() || t == type::kEnum || t == type::kSet || t == type::kBit) {
        uint64_t value = 0;
        if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc()) {
          return NeutralValue{value};
        }
      } else {
        int64_t value = 0;
        if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc()) {
          return NeutralValue{value};
        }
      }
    } else if (t == type::kFloat || t == type::kDouble) {
      return NeutralValue{std::strtod(text.c_str(), nullptr)};
    }
    return NeutralValue{text};
  }
  if ((column.flag & schema::kNotNullFlag) == 0) return NeutralValue{};
  if (is_integer_type(t)) {
    return column.is_unsigned() ? NeutralValue{uint64_t{0}} : NeutralValue{int64_t{0}};
  }
  if (t == type::kEnum || t == type::kSet || t == type::kBit) return NeutralValue{uint64_t{0}};
  if (t == type::kFloat || t == type::kDouble) return NeutralValue{0.0};
  if (t == type::kNewDecimal || t == type::kDecimal) return NeutralValue{std::string("0")};
  if (t == type::kJson) return NeutralValue{std::string("null")};
  return NeutralValue{std::string()};
}

}  // namespace sluice::decode
