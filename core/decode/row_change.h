#pragma once
// RowChange: one decoded row event in the neutral model the plugin ABI carries: values are null,
// int64, uint64, double, or bytes (text for decimals, times and JSON). Owned values.

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/decode/table_layout.h"

namespace sluice::decode {

using NeutralValue = std::variant<std::monostate, int64_t, uint64_t, double, std::string>;

enum class ChangeType { kInsert, kUpdate, kDelete };

struct RowChange {
  ChangeType type = ChangeType::kInsert;
  std::shared_ptr<const TableLayout> layout;
  std::vector<NeutralValue> old_values;  // update, delete: one per layout column
  std::vector<NeutralValue> new_values;  // insert, update: one per layout column
};

}  // namespace sluice::decode
