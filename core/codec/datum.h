#pragma once
// Datum: one value as TiDB's codec encodes it. A plain value type; thread-compatible.

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::codec {

enum class DatumKind : uint8_t {
  kNull,
  kInt64,
  kUint64,  // also packed DATE/DATETIME/TIMESTAMP, ENUM index, SET bitmask, BIT value
  kFloat64,
  kBytes,
  kDecimal,   // `text` holds the canonical decimal text, precision/scale the declared ones
  kDuration,  // nanoseconds in `i64`
  kJson,      // `text` holds the binary JSON: type code + value
  kMinNotNull,
  kMaxValue,
};

std::string_view datum_kind_name(DatumKind kind);

struct Datum {
  DatumKind kind = DatumKind::kNull;
  int64_t i64 = 0;
  uint64_t u64 = 0;
  double f64 = 0;
  std::string text;
  int precision = 0;
  int scale = 0;

  static Datum null() { return {}; }
  static Datum from_int64(int64_t value) {
    Datum d;
    d.kind = DatumKind::kInt64;
    d.i64 = value;
    return d;
  }
  static Datum from_uint64(uint64_t value) {
    Datum d;
    d.kind = DatumKind::kUint64;
    d.u64 = value;
    return d;
  }
  static Datum from_float64(double value) {
    Datum d;
    d.kind = DatumKind::kFloat64;
    d.f64 = value;
    return d;
  }
  static Datum from_bytes(std::string value) {
    Datum d;
    d.kind = DatumKind::kBytes;
    d.text = std::move(value);
    return d;
  }
  static Datum from_decimal(std::string text, int precision, int scale) {
    Datum d;
    d.kind = DatumKind::kDecimal;
    d.text = std::move(text);
    d.precision = precision;
    d.scale = scale;
    return d;
  }
  static Datum from_duration(int64_t nanoseconds) {
    Datum d;
    d.kind = DatumKind::kDuration;
    d.i64 = nanoseconds;
    return d;
  }
  static Datum from_json_binary(std::string binary) {
    Datum d;
    d.kind = DatumKind::kJson;
    d.text = std::move(binary);
    return d;
  }

  bool is_null() const { return kind == DatumKind::kNull; }
  bool operator==(const Datum& other) const = default;
};

// A readable rendering for messages and tests: "int64(5)", "bytes(\"ab\")", "null".
std::string to_debug_string(const Datum& datum);

}  // namespace sluice::codec
