#include "sdk/producer/value.h"

#include <fmt/format.h>

namespace sluice::producer {

std::string_view value_kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kInt64:
      return "int64";
    case ValueKind::kUint64:
      return "uint64";
    case ValueKind::kDouble:
      return "double";
    case ValueKind::kString:
      return "string";
    case ValueKind::kDecimal:
      return "decimal";
    case ValueKind::kDatetime:
      return "datetime";
    case ValueKind::kTime:
      return "time";
    case ValueKind::kJson:
      return "json";
  }
  return "unknown";
}

std::string describe(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kInt64:
      return fmt::format("int64 {}", value.as_int64());
    case ValueKind::kUint64:
      return fmt::format("uint64 {}", value.as_uint64());
    case ValueKind::kDouble:
      return fmt::format("double {}", value.as_double());
    default: {
      // Long strings are cut: the message names the value, it does not reproduce it.
      constexpr size_t kShown = 40;
      const std::string& text = value.text();
      const std::string shown = text.size() > kShown ? text.substr(0, kShown) + "..." : text;
      return fmt::format("{} \"{}\"", value_kind_name(value.kind()), shown);
    }
  }
}

}  // namespace sluice::producer
