#include "sdk/producer/datum_conversion.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>

#include "core/codec/byte_reader.h"
#include "core/codec/json_binary.h"
#include "core/codec/mysql_decimal.h"
#include "core/codec/mysql_time.h"

namespace sluice::producer {
namespace {

namespace mt = schema::mysql_type;
using codec::Datum;

Status wrong_kind(std::string_view expected, const Value& value) {
  return Status::invalid_argument(fmt::format("expects {}, got {}", expected, describe(value)));
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Range of an integer column: MySQL's limits per storage size.
struct IntRange {
  int64_t min = 0;
  uint64_t max = 0;
};

IntRange int_range(const schema::ColumnInfo& column) {
  const bool is_unsigned = column.is_unsigned();
  int bits = 64;
  switch (column.type) {
    case mt::kTiny:
      bits = 8;
      break;
    case mt::kShort:
      bits = 16;
      break;
    case mt::kInt24:
      bits = 24;
      break;
    case mt::kLong:
      bits = 32;
      break;
    default:
      bits = 64;
  }
  if (is_unsigned) {
    return {0, bits == 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits) - 1};
  }
  if (bits == 64) {
    return {std::numeric_limits<int64_t>::min(),
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max())};
  }
  return {-(int64_t{1} << (bits - 1)), (uint64_t{1} << (bits - 1)) - 1};
}

Result<Datum> integer_datum(const schema::ColumnInfo& column, const Value& value) {
  const IntRange range = int_range(column);
  auto out_of_range = [&] {
    return Status::invalid_argument(
        fmt::format("value {} is out of range [{}, {}]", describe(value), range.min, range.max));
  };
  if (value.kind() == ValueKind::kInt64) {
    const int64_t v = value.as_int64();
    if (v < range.min || (v > 0 && static_cast<uint64_t>(v) > range.max)) return out_of_range();
    return column.is_unsigned() ? Datum::from_uint64(static_cast<uint64_t>(v))
                                : Datum::from_int64(v);
  }
  if (value.kind() == ValueKind::kUint64) {
    const uint64_t v = value.as_uint64();
    if (v > range.max) return out_of_range();
    return column.is_unsigned() ? Datum::from_uint64(v)
                                : Datum::from_int64(static_cast<int64_t>(v));
  }
  return wrong_kind("an integer", value);
}

Result<Datum> year_datum(const Value& value) {
  int64_t year = 0;
  if (value.kind() == ValueKind::kInt64) {
    year = value.as_int64();
  } else if (value.kind() == ValueKind::kUint64 && value.as_uint64() < 10000) {
    year = static_cast<int64_t>(value.as_uint64());
  } else {
    return wrong_kind("a year (integer 0 or 1901..2155)", value);
  }
  // MySQL's YEAR range; 0 is the zero year.
  if (year != 0 && (year < 1901 || year > 2155)) {
    return Status::invalid_argument(fmt::format("year {} is out of range 1901..2155", year));
  }
  return Datum::from_int64(year);
}

Result<double> number_of(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kInt64:
      return static_cast<double>(value.as_int64());
    case ValueKind::kUint64:
      return static_cast<double>(value.as_uint64());
    case ValueKind::kDouble:
      return value.as_double();
    default:
      return wrong_kind("a number", value);
  }
}

Result<Datum> decimal_datum(const schema::ColumnInfo& column, const Value& value) {
  std::string text;
  switch (value.kind()) {
    case ValueKind::kDecimal:
    case ValueKind::kString:
      text = value.text();
      break;
    case ValueKind::kInt64:
      text = std::to_string(value.as_int64());
      break;
    case ValueKind::kUint64:
      text = std::to_string(value.as_uint64());
      break;
    default:
      return wrong_kind("a decimal text or an integer", value);
  }
  if (column.flen <= 0) {
    // No declared precision: the encoder uses the digits the value needs, as TiDB does.
    SLUICE_RETURN_IF_ERROR(codec::decimal_precision_and_scale(text).status());
    return Datum::from_decimal(std::move(text), 0, 0);
  }
  const int precision = column.flen;
  const int scale = std::max(column.decimal, 0);
  // Round to the column's scale and keep the canonical text, so the datum reads back equal.
  SLUICE_ASSIGN_OR_RETURN(std::string binary,
                          codec::decimal_text_to_binary(text, precision, scale));
  codec::ByteReader reader(binary);
  SLUICE_ASSIGN_OR_RETURN(std::string canonical,
                          codec::read_decimal_binary(reader, precision, scale));
  return Datum::from_decimal(std::move(canonical), precision, scale);
}

int fsp_of(const schema::ColumnInfo& column) {
  return std::clamp(column.decimal, 0, 6);
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 31;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return (month == 2 && leap) ? 29 : kDays[month - 1];
}

void add_one_second(codec::MysqlTime& time) {
  if (++time.second < 60) return;
  time.second = 0;
  if (++time.minute < 60) return;
  time.minute = 0;
  if (++time.hour < 24) return;
  time.hour = 0;
  if (++time.day <= days_in_month(time.year, time.month)) return;
  time.day = 1;
  if (++time.month <= 12) return;
  time.month = 1;
  ++time.year;
}

// Rounds the fraction to `fsp` digits, half up, as TiDB's RoundFrac does.
void round_fraction(codec::MysqlTime& time, int fsp) {
  int unit = 1;
  for (int i = fsp; i < 6; ++i)
    unit *= 10;
  if (unit == 1) return;
  int micro = (time.microsecond + unit / 2) / unit * unit;
  if (micro >= 1000000) {
    micro -= 1000000;
    add_one_second(time);
  }
  time.microsecond = micro;
}

Result<Datum> time_datum(const schema::ColumnInfo& column, const Value& value) {
  if (value.kind() != ValueKind::kDatetime && value.kind() != ValueKind::kString) {
    return wrong_kind("a datetime text (YYYY-MM-DD[ hh:mm:ss[.ffffff]])", value);
  }
  SLUICE_ASSIGN_OR_RETURN(codec::MysqlTime time, codec::parse_datetime_text(value.text()));
  if (column.type == mt::kDate || column.type == mt::kNewDate) {
    // A DATE keeps the day only.
    time.hour = time.minute = time.second = time.microsecond = 0;
  } else {
    round_fraction(time, fsp_of(column));
  }
  return Datum::from_uint64(codec::pack_time(time));
}

Result<Datum> duration_datum(const schema::ColumnInfo& column, const Value& value) {
  if (value.kind() != ValueKind::kTime && value.kind() != ValueKind::kString) {
    return wrong_kind("a time text ([-]hh:mm:ss[.ffffff])", value);
  }
  SLUICE_ASSIGN_OR_RETURN(int64_t nanoseconds, codec::parse_duration_text(value.text()));
  int64_t unit = 1000;  // the parser's resolution: microseconds
  for (int i = fsp_of(column); i < 6; ++i)
    unit *= 10;
  const int64_t magnitude = (std::abs(nanoseconds) + unit / 2) / unit * unit;
  // flatten() turns a Duration into its nanoseconds as a plain int64.
  return Datum::from_int64(nanoseconds < 0 ? -magnitude : magnitude);
}

Result<Datum> bit_datum(const schema::ColumnInfo& column, const Value& value) {
  uint64_t bits = 0;
  if (value.kind() == ValueKind::kUint64) {
    bits = value.as_uint64();
  } else if (value.kind() == ValueKind::kInt64 && value.as_int64() >= 0) {
    bits = static_cast<uint64_t>(value.as_int64());
  } else if (value.kind() == ValueKind::kString && value.text().size() <= 8) {
    for (unsigned char byte : value.text())
      bits = (bits << 8) | byte;  // big-endian, as a MySQL bit literal
  } else {
    return wrong_kind("a bit value (non-negative integer or up to 8 bytes)", value);
  }
  const int width = column.flen > 0 && column.flen < 64 ? column.flen : 64;
  if (width < 64 && bits >> width != 0) {
    return Status::invalid_argument(
        fmt::format("value {} does not fit BIT({})", describe(value), width));
  }
  return Datum::from_uint64(bits);
}

Result<int> enum_index(const schema::ColumnInfo& column, std::string_view name) {
  for (size_t i = 0; i < column.elems.size(); ++i) {
    if (equals_ignore_case(column.elems[i], name)) return static_cast<int>(i);
  }
  return Status::invalid_argument(
      fmt::format("'{}' is not a member of ('{}')", name, fmt::join(column.elems, "','")));
}

Result<Datum> enum_datum(const schema::ColumnInfo& column, const Value& value) {
  const uint64_t count = column.elems.size();
  uint64_t index = 0;
  if (value.kind() == ValueKind::kString) {
    SLUICE_ASSIGN_OR_RETURN(int position, enum_index(column, value.text()));
    index = static_cast<uint64_t>(position) + 1;  // ENUM indexes count from 1
  } else if (value.kind() == ValueKind::kUint64) {
    index = value.as_uint64();
  } else if (value.kind() == ValueKind::kInt64 && value.as_int64() >= 0) {
    index = static_cast<uint64_t>(value.as_int64());
  } else {
    return wrong_kind("an ENUM member name or index", value);
  }
  if (index == 0 || index > count) {
    return Status::invalid_argument(
        fmt::format("ENUM index {} is out of range 1..{}", index, count));
  }
  return Datum::from_uint64(index);
}

Result<Datum> set_datum(const schema::ColumnInfo& column, const Value& value) {
  const size_t count = column.elems.size();
  const uint64_t all = count >= 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1;
  if (value.kind() == ValueKind::kString) {
    uint64_t mask = 0;
    std::string_view rest = value.text();
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view member = rest.substr(0, comma);
      SLUICE_ASSIGN_OR_RETURN(int position, enum_index(column, member));
      mask |= uint64_t{1} << position;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return Datum::from_uint64(mask);
  }
  uint64_t mask = 0;
  if (value.kind() == ValueKind::kUint64) {
    mask = value.as_uint64();
  } else if (value.kind() == ValueKind::kInt64 && value.as_int64() >= 0) {
    mask = static_cast<uint64_t>(value.as_int64());
  } else {
    return wrong_kind("SET member names ('a,b') or a bitmask", value);
  }
  if ((mask & ~all) != 0) {
    return Status::invalid_argument(
        fmt::format("SET bitmask {} has bits beyond its {} members", mask, count));
  }
  return Datum::from_uint64(mask);
}

size_t utf8_length(std::string_view text) {
  size_t count = 0;
  for (unsigned char byte : text)
    count += (byte & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

Result<Datum> string_datum(const schema::ColumnInfo& column, const Value& value) {
  if (value.kind() != ValueKind::kString) return wrong_kind("a string", value);
  const std::string& text = value.text();
  const bool binary = column.charset == "binary" || column.charset.empty();
  uint64_t limit = 0;  // 0: no check
  switch (column.type) {
    case mt::kTinyBlob:
      limit = 255;
      break;
    case mt::kBlob:
      limit = 65535;
      break;
    case mt::kMediumBlob:
      limit = 16777215;
      break;
    case mt::kLongBlob:
      limit = 4294967295;
      break;
    default:
      break;
  }
  if (limit != 0 && text.size() > limit) {
    return Status::invalid_argument(
        fmt::format("{} bytes exceed the column's {} bytes", text.size(), limit));
  }
  if (limit == 0 && column.flen > 0) {
    const size_t length = binary ? text.size() : utf8_length(text);
    if (length > static_cast<size_t>(column.flen)) {
      return Status::invalid_argument(fmt::format("data too long: {} {} for a column of {}", length,
                                                  binary ? "bytes" : "characters", column.flen));
    }
  }
  return Datum::from_bytes(text);
}

Result<Datum> json_datum(const Value& value) {
  if (value.kind() != ValueKind::kJson) return wrong_kind("a JSON text (Value::json)", value);
  SLUICE_ASSIGN_OR_RETURN(std::string binary, codec::json_text_to_binary(value.text()));
  return Datum::from_json_binary(std::move(binary));
}

template <typename T>
bool parse_whole(std::string_view text, T& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

bool is_integer_type(uint8_t type) {
  return type == mt::kTiny || type == mt::kShort || type == mt::kInt24 || type == mt::kLong ||
         type == mt::kLonglong;
}

bool is_string_type(uint8_t type) {
  return type == mt::kString || type == mt::kVarchar || type == mt::kVarString ||
         type == mt::kTinyBlob || type == mt::kBlob || type == mt::kMediumBlob ||
         type == mt::kLongBlob;
}

bool is_time_type(uint8_t type) {
  return type == mt::kDate || type == mt::kNewDate || type == mt::kDatetime ||
         type == mt::kTimestamp;
}

Result<Datum> to_datum(const schema::ColumnInfo& column, const Value& value) {
  if (value.is_null()) {
    if ((column.flag & schema::kNotNullFlag) != 0) {
      return Status::invalid_argument("cannot be null (NOT NULL column)");
    }
    return Datum::null();
  }
  if (is_integer_type(column.type)) return integer_datum(column, value);
  if (is_string_type(column.type)) return string_datum(column, value);
  if (is_time_type(column.type)) return time_datum(column, value);
  switch (column.type) {
    case mt::kYear:
      return year_datum(value);
    case mt::kFloat: {
      SLUICE_ASSIGN_OR_RETURN(double number, number_of(value));
      // TiDB keeps a FLOAT as float32 and widens it to float64 when encoding.
      return Datum::from_float64(static_cast<double>(static_cast<float>(number)));
    }
    case mt::kDouble: {
      SLUICE_ASSIGN_OR_RETURN(double number, number_of(value));
      return Datum::from_float64(number);
    }
    case mt::kNewDecimal:
    case mt::kDecimal:
      return decimal_datum(column, value);
    case mt::kDuration:
      return duration_datum(column, value);
    case mt::kBit:
      return bit_datum(column, value);
    case mt::kEnum:
      return enum_datum(column, value);
    case mt::kSet:
      return set_datum(column, value);
    case mt::kJson:
      return json_datum(value);
    default:
      return Status::unsupported(
          fmt::format("columns of MySQL type {} are not supported", column.type));
  }
}

Result<Datum> default_to_datum(const schema::ColumnInfo& column, std::string_view text) {
  Value value;
  if (is_integer_type(column.type) || column.type == mt::kYear || column.type == mt::kBit) {
    int64_t signed_value = 0;
    uint64_t unsigned_value = 0;
    if (parse_whole(text, signed_value)) {
      value = Value(signed_value);
    } else if (parse_whole(text, unsigned_value)) {
      value = Value(unsigned_value);
    } else {
      return Status::invalid_argument(fmt::format("default '{}' is not an integer", text));
    }
  } else if (column.type == mt::kFloat || column.type == mt::kDouble) {
    const std::string copy(text);
    char* end = nullptr;
    const double number = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size()) {
      return Status::invalid_argument(fmt::format("default '{}' is not a number", text));
    }
    value = Value(number);
  } else if (column.type == mt::kNewDecimal || column.type == mt::kDecimal) {
    value = Value::decimal(std::string(text));
  } else if (is_time_type(column.type)) {
    value = Value::datetime(std::string(text));
  } else if (column.type == mt::kDuration) {
    value = Value::time(std::string(text));
  } else if (column.type == mt::kJson) {
    value = Value::json(std::string(text));
  } else {
    value = Value(std::string(text));
  }
  return to_datum(column, value);
}

}  // namespace sluice::producer
