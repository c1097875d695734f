#include "core/codec/datum.h"

#include <fmt/format.h>

namespace sluice::codec {

std::string_view datum_kind_name(DatumKind kind) {
  switch (kind) {
    case DatumKind::kNull:
      return "null";
    case DatumKind::kInt64:
      return "int64";
    case DatumKind::kUint64:
      return "uint64";
    case DatumKind::kFloat64:
      return "float64";
    case DatumKind::kBytes:
      return "bytes";
    case DatumKind::kDecimal:
      return "decimal";
    case DatumKind::kDuration:
      return "duration";
    case DatumKind::kJson:
      return "json";
    case DatumKind::kMinNotNull:
      return "min-not-null";
    case DatumKind::kMaxValue:
      return "max-value";
  }
  return "unknown";
}

std::string to_debug_string(const Datum& datum) {
  switch (datum.kind) {
    case DatumKind::kNull:
    case DatumKind::kMinNotNull:
    case DatumKind::kMaxValue:
      return std::string(datum_kind_name(datum.kind));
    case DatumKind::kInt64:
      return fmt::format("int64({})", datum.i64);
    case DatumKind::kUint64:
      return fmt::format("uint64({})", datum.u64);
    case DatumKind::kFloat64:
      return fmt::format("float64({})", datum.f64);
    case DatumKind::kBytes:
      return fmt::format("bytes({:?})", datum.text);
    case DatumKind::kDecimal:
      return fmt::format("decimal({}, {},{})", datum.text, datum.precision, datum.scale);
    case DatumKind::kDuration:
      return fmt::format("duration({}ns)", datum.i64);
    case DatumKind::kJson:
      return fmt::format("json({} bytes)", datum.text.size());
  }
  return "unknown";
}

}  // namespace sluice::codec
