#pragma once
// Building Dml values in the loader's unit tests. Header-only; any thread.

#include <memory>
#include <utility>
#include <vector>

#include "plugins/mysql/dml.h"

namespace sluice::mysql {

inline Dml make(DmlType type, std::shared_ptr<const TableInfo> table,
                std::vector<SqlValue> old_values, std::vector<SqlValue> new_values) {
  Dml dml;
  dml.type = type;
  dml.table = std::move(table);
  dml.old_values = std::move(old_values);
  dml.new_values = std::move(new_values);
  return dml;
}

}  // namespace sluice::mysql
