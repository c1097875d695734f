#pragma once
// Value: one column value as a producer's caller states it (null, integer, double, bytes, or a
// decimal / datetime / time / JSON text), before it is converted to a TiDB datum for the column's
// type (see datum_conversion.h). Row: column name -> value. Plain value types; thread-compatible.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace sluice::producer {

enum class ValueKind {
  kNull,
  kInt64,
  kUint64,
  kDouble,
  kString,    // character or binary string, also ENUM/SET member names
  kDecimal,   // decimal text: "-12.50"
  kDatetime,  // "YYYY-MM-DD[ hh:mm:ss[.ffffff]]" for DATE/DATETIME/TIMESTAMP (TIMESTAMP in UTC)
  kTime,      // "[-]hh:mm:ss[.ffffff]" for TIME
  kJson,      // JSON text: "{\"a\": 1}"
};

std::string_view value_kind_name(ValueKind kind);

class Value {
 public:
  Value() = default;        // null
  Value(std::nullptr_t) {}  // NOLINT: implicit, so rows read {"c", nullptr}
  template <std::signed_integral T>
  requires(!std::same_as<T, bool>) Value(T value)
      : kind_(ValueKind::kInt64), i64_(value) {}  // NOLINT: implicit
  template <std::unsigned_integral T>
  requires(!std::same_as<T, bool>) Value(T value)
      : kind_(ValueKind::kUint64), u64_(value) {}                  // NOLINT: implicit
  Value(double value) : kind_(ValueKind::kDouble), f64_(value) {}  // NOLINT: implicit
  Value(std::string value) : kind_(ValueKind::kString), text_(std::move(value)) {}  // NOLINT
  Value(std::string_view value) : Value(std::string(value)) {}                      // NOLINT
  Value(const char* value) : Value(std::string(value)) {}                           // NOLINT

  static Value null() { return {}; }
  static Value bytes(std::string value) { return Value(std::move(value)); }
  static Value decimal(std::string text) { return Value(ValueKind::kDecimal, std::move(text)); }
  static Value datetime(std::string text) { return Value(ValueKind::kDatetime, std::move(text)); }
  static Value time(std::string text) { return Value(ValueKind::kTime, std::move(text)); }
  static Value json(std::string text) { return Value(ValueKind::kJson, std::move(text)); }

  ValueKind kind() const { return kind_; }
  bool is_null() const { return kind_ == ValueKind::kNull; }
  int64_t as_int64() const { return i64_; }
  uint64_t as_uint64() const { return u64_; }
  double as_double() const { return f64_; }
  // The bytes or text of kString, kDecimal, kDatetime, kTime and kJson values.
  const std::string& text() const { return text_; }

  bool operator==(const Value&) const = default;

 private:
  Value(ValueKind kind, std::string text) : kind_(kind), text_(std::move(text)) {}

  ValueKind kind_ = ValueKind::kNull;
  int64_t i64_ = 0;
  uint64_t u64_ = 0;
  double f64_ = 0;
  std::string text_;
};

// A readable rendering for error messages: "int64 5", "string \"ab\"", "null".
std::string describe(const Value& value);

// Column name (matched case-insensitively, as MySQL does) -> value.
using Row = std::map<std::string, Value>;

}  // namespace sluice::producer
