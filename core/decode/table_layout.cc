#include "core/decode/table_layout.h"

#include <sluice/plugin_abi.h>

#include <algorithm>

namespace sluice::decode {

using namespace schema::mysql_type;

std::string type_name_of(uint8_t type, const std::string& charset) {
  const bool binary = charset == "binary";
  switch (type) {
    case kTiny:
      return "tinyint";
    case kShort:
      return "smallint";
    case kInt24:
      return "mediumint";
    case kLong:
      return "int";
    case kLonglong:
      return "bigint";
    case kFloat:
      return "float";
    case kDouble:
      return "double";
    case kDecimal:
    case kNewDecimal:
      return "decimal";
    case kTimestamp:
      return "timestamp";
    case kDate:
    case kNewDate:
      return "date";
    case kDuration:
      return "time";
    case kDatetime:
      return "datetime";
    case kYear:
      return "year";
    case kVarchar:
      return binary ? "varbinary" : "varchar";
    case kVarString:
      return binary ? "varbinary" : "var_string";
    case kString:
      return binary ? "binary" : "char";
    case kBit:
      return "bit";
    case kJson:
      return "json";
    case kEnum:
      return "enum";
    case kSet:
      return "set";
    case kTinyBlob:
      return binary ? "tinyblob" : "tinytext";
    case kBlob:
      return binary ? "blob" : "text";
    case kMediumBlob:
      return binary ? "mediumblob" : "mediumtext";
    case kLongBlob:
      return binary ? "longblob" : "longtext";
    case kGeometry:
      return "geometry";
    case kNull:
      return "null";
  }
  return "unknown";
}

int TableLayout::sparse_index_of(int64_t column_id) const {
  const auto it =
      std::lower_bound(id_to_index.begin(), id_to_index.end(), std::make_pair(column_id, -1));
  return (it != id_to_index.end() && it->first == column_id) ? it->second : -1;
}

std::shared_ptr<const TableLayout> build_layout(std::string schema_name,
                                                std::shared_ptr<const schema::TableInfo> table,
                                                int64_t version) {
  auto layout = std::make_shared<TableLayout>();
  layout->schema_name = std::move(schema_name);
  layout->table_name = table->name;
  layout->table_id = table->id;
  layout->version = version;
  layout->table = table;
  // Column flags for key membership come from the indices, not only from TiDB's flag bits.
  std::vector<uint32_t> key_flags(table->columns.size(), 0);
  for (const auto& index : table->indices) {
    if (index.state != schema::SchemaState::kPublic || !(index.unique || index.primary)) continue;
    for (const auto& column : index.columns) {
      if (column.offset >= 0 && static_cast<size_t>(column.offset) < key_flags.size()) {
        key_flags[static_cast<size_t>(column.offset)] |=
            index.primary ? SLUICE_COLUMN_PRIMARY_KEY : SLUICE_COLUMN_UNIQUE_KEY;
      }
    }
  }
  std::vector<int> position_of_offset(table->columns.size(), -1);
  for (size_t i = 0; i < table->columns.size(); ++i) {
    const schema::ColumnInfo& column = table->columns[i];
    if (column.state != schema::SchemaState::kPublic || column.is_generated()) continue;
    LayoutColumn out;
    out.name = column.name;
    out.mysql_type = column.type;
    uint32_t flags = key_flags[i];
    if (column.is_unsigned()) flags |= SLUICE_COLUMN_UNSIGNED;
    if ((column.flag & schema::kNotNullFlag) != 0) flags |= SLUICE_COLUMN_NOT_NULL;
    if (column.is_primary_key()) flags |= SLUICE_COLUMN_PRIMARY_KEY;
    if ((column.flag & schema::kUniqueKeyFlag) != 0) flags |= SLUICE_COLUMN_UNIQUE_KEY;
    if ((column.flag & schema::kBinaryFlag) != 0 || column.charset == "binary") {
      flags |= SLUICE_COLUMN_BINARY;
    }
    out.abi_flags = flags;
    out.length = column.flen;
    out.decimals = column.decimal;
    out.type_name = type_name_of(column.type, column.charset);
    out.charset = column.charset;
    for (size_t e = 0; e < column.elems.size(); ++e) {
      if (e > 0) out.elements_text += ',';
      out.elements_text += column.elems[e];
    }
    out.source = &column;
    position_of_offset[i] = static_cast<int>(layout->columns.size());
    layout->id_to_index.emplace_back(column.id, static_cast<int>(layout->columns.size()));
    layout->columns.push_back(std::move(out));
  }
  std::sort(layout->id_to_index.begin(), layout->id_to_index.end());
  for (const auto& [id, index] : layout->id_to_index) {
    if (id < 0 || id >= kDenseIds) continue;
    if (layout->dense_index.size() <= static_cast<size_t>(id)) {
      layout->dense_index.resize(static_cast<size_t>(id) + 1, -1);
    }
    layout->dense_index[static_cast<size_t>(id)] = index;
  }

  if (const schema::ColumnInfo* handle = table->handle_column()) {
    const int index = layout->index_of(handle->id);
    if (index >= 0) layout->keys.push_back({"PRIMARY", true, {static_cast<uint32_t>(index)}});
  }
  auto add_index = [&](const schema::IndexInfo& index) {
    LayoutKey key{index.primary ? "PRIMARY" : index.name, index.primary, {}};
    for (const auto& column : index.columns) {
      if (column.offset < 0 || static_cast<size_t>(column.offset) >= position_of_offset.size())
        return;
      const int position = position_of_offset[static_cast<size_t>(column.offset)];
      if (position < 0) return;  // a key over a column sinks do not see: unusable
      key.column_indexes.push_back(static_cast<uint32_t>(position));
    }
    layout->keys.push_back(std::move(key));
  };
  for (const auto& index : table->indices) {
    if (index.primary && index.state == schema::SchemaState::kPublic) add_index(index);
  }
  for (const auto& index : table->indices) {
    if (!index.primary && index.unique && index.state == schema::SchemaState::kPublic) {
      add_index(index);
    }
  }
  return layout;
}

}  // namespace sluice::decode
