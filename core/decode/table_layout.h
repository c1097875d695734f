#pragma once
// TableLayout: what a sink sees of a table: the columns that carry values in binlog rows (public,
// not generated), each with its MySQL type, flags as the plugin ABI defines them, and the keys
// (primary first, then unique). Built once per table version and shared (immutable).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/schema/table_info.h"

namespace sluice::decode {

struct LayoutColumn {
  std::string name;
  uint8_t mysql_type = 0;
  uint32_t abi_flags = 0;  // SLUICE_COLUMN_*
  int32_t length = -1;
  int32_t decimals = -1;
  std::string type_name;  // "int", "varchar", "text", "decimal", ... (TiDB's TypeToStr)
  std::string charset;
  std::string elements_text;         // ENUM/SET members joined by ','
  const schema::ColumnInfo* source;  // owned by `table` of the layout
};

struct LayoutKey {
  std::string name;  // "PRIMARY" for the primary key
  bool primary = false;
  std::vector<uint32_t> column_indexes;
};

// Column ids below this are looked up in a flat array (TiDB assigns small ids).
inline constexpr int64_t kDenseIds = 4096;

struct TableLayout {
  std::string schema_name;
  std::string table_name;
  int64_t table_id = 0;
  int64_t version = 0;  // schema version of this layout
  std::shared_ptr<const schema::TableInfo> table;
  std::vector<LayoutColumn> columns;
  std::vector<LayoutKey> keys;
  // Index into `columns` for a column id, -1 when the column carries no value.
  int index_of(int64_t column_id) const {
    if (column_id >= 0 && static_cast<uint64_t>(column_id) < dense_index.size()) {
      return dense_index[static_cast<size_t>(column_id)];
    }
    return sparse_index_of(column_id);
  }
  int sparse_index_of(int64_t column_id) const;
  std::vector<std::pair<int64_t, int>> id_to_index;  // sorted by id
  std::vector<int> dense_index;                      // by id, for ids below kDenseIds
};

// TiDB's TypeToStr: the SQL type name of a column type ("varbinary" for binary varchar, ...).
std::string type_name_of(uint8_t mysql_type, const std::string& charset);

std::shared_ptr<const TableLayout> build_layout(std::string schema_name,
                                                std::shared_ptr<const schema::TableInfo> table,
                                                int64_t version);

}  // namespace sluice::decode
