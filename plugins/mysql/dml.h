#pragma once
// The loader's own copy of row changes: table layouts and DML events owned by the loader, so they
// outlive the host call that delivered them (the ABI's views do not). TableInfo is immutable once
// built and shared between the DMLs of one layout; Dml values are moved between threads, never
// shared while being written.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace sluice::mysql {

// NULL, signed, unsigned, double, or bytes (text, blobs, and decimals/times as MySQL text).
using SqlValue = std::variant<std::monostate, int64_t, uint64_t, double, std::string>;

inline bool is_null(const SqlValue& value) {
  return std::holds_alternative<std::monostate>(value);
}

struct ColumnInfo {
  std::string name;
  uint32_t mysql_type = 0;
  bool binary = false;     // binary charset: bytes are rendered as a hex literal
  bool generated = false;  // generated columns are never written
};

struct KeyInfo {
  std::string name;
  bool primary = false;
  std::vector<size_t> columns;  // indexes into TableInfo::columns
};

struct TableInfo {
  std::string schema;
  std::string table;
  std::vector<ColumnInfo> columns;
  std::vector<KeyInfo> keys;  // the primary key first, then unique keys
};

enum class DmlType { kInsert, kUpdate, kDelete };

struct Dml {
  DmlType type = DmlType::kInsert;
  std::shared_ptr<const TableInfo> table;
  std::vector<SqlValue> old_values;  // update, delete: one per column
  std::vector<SqlValue> new_values;  // insert, update: one per column
  int64_t commit_ts = 0;             // of the upstream transaction
  bool safe_mode = false;            // apply idempotently (REPLACE, DELETE + REPLACE)
};

}  // namespace sluice::mysql
