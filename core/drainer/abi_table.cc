#include "core/drainer/abi_table.h"

namespace sluice::drainer {

std::shared_ptr<const AbiTable> make_abi_table(std::shared_ptr<const decode::TableLayout> layout) {
  auto abi = std::make_shared<AbiTable>();
  abi->layout = std::move(layout);
  const decode::TableLayout& source = *abi->layout;
  abi->columns.reserve(source.columns.size());
  for (const decode::LayoutColumn& column : source.columns) {
    sluice_column_t out{};
    out.struct_size = sizeof(sluice_column_t);
    out.name = abi_str(column.name);
    out.mysql_type = column.mysql_type;
    out.flags = column.abi_flags;
    out.length = column.length;
    out.decimals = column.decimals;
    out.type_name = abi_str(column.type_name);
    out.charset = abi_str(column.charset);
    out.elements_text = abi_str(column.elements_text);
    abi->columns.push_back(out);
  }
  abi->keys.reserve(source.keys.size());
  for (const decode::LayoutKey& key : source.keys) {
    sluice_key_t out{};
    out.struct_size = sizeof(sluice_key_t);
    out.name = abi_str(key.name);
    out.flags = key.primary ? (SLUICE_KEY_PRIMARY | SLUICE_KEY_UNIQUE) : SLUICE_KEY_UNIQUE;
    out.column_indexes = key.column_indexes.empty() ? nullptr : key.column_indexes.data();
    out.column_count = key.column_indexes.size();
    abi->keys.push_back(out);
  }
  sluice_table_t& table = abi->table;
  table.struct_size = sizeof(sluice_table_t);
  table.schema_name = abi_str(source.schema_name);
  table.table_name = abi_str(source.table_name);
  table.table_id = source.table_id;
  table.columns = abi->columns.empty() ? nullptr : abi->columns.data();
  table.column_count = abi->columns.size();
  table.column_size = sizeof(sluice_column_t);
  table.keys = abi->keys.empty() ? nullptr : abi->keys.data();
  table.key_count = abi->keys.size();
  table.key_size = sizeof(sluice_key_t);
  return abi;
}

std::shared_ptr<const AbiTable> AbiTableCache::get(
    const std::shared_ptr<const decode::TableLayout>& layout) {
  auto found = tables_.find(layout.get());
  if (found != tables_.end()) return found->second;
  auto made = make_abi_table(layout);
  tables_.emplace(layout.get(), made);
  return made;
}

}  // namespace sluice::drainer
