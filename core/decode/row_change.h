#pragma once
// RowChange: one decoded row event in the plugin ABI's value model (sluice_value_t: null, int64,
// uint64, double, bytes). Bytes point into the binlog payload (plain strings, zero-copy) or into
// the decoder's TextArena (formatted decimals, times, JSON): a RowChange is valid as long as both
// the decoded mutation and the arena are.

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/decode/table_layout.h"

namespace sluice::decode {

enum class ChangeType { kInsert, kUpdate, kDelete };

struct RowChange {
  ChangeType type = ChangeType::kInsert;
  std::shared_ptr<const TableLayout> layout;
  std::vector<sluice_value_t> old_values;  // update, delete: one per layout column
  std::vector<sluice_value_t> new_values;  // insert, update: one per layout column
};

inline sluice_value_t null_value() {
  return sluice_value_t{};
}
inline sluice_value_t int64_value(int64_t v) {
  sluice_value_t value{};
  value.kind = SLUICE_VALUE_INT64;
  value.as.i64 = v;
  return value;
}
inline sluice_value_t uint64_value(uint64_t v) {
  sluice_value_t value{};
  value.kind = SLUICE_VALUE_UINT64;
  value.as.u64 = v;
  return value;
}
inline sluice_value_t double_value(double v) {
  sluice_value_t value{};
  value.kind = SLUICE_VALUE_DOUBLE;
  value.as.f64 = v;
  return value;
}
inline sluice_value_t bytes_value(std::string_view v) {
  sluice_value_t value{};
  value.kind = SLUICE_VALUE_BYTES;
  value.as.bytes = {v.data(), v.size()};
  return value;
}
inline std::string_view bytes_of(const sluice_value_t& value) {
  return value.as.bytes.size == 0 ? std::string_view()
                                  : std::string_view(value.as.bytes.data, value.as.bytes.size);
}

}  // namespace sluice::decode
