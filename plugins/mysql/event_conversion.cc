#include "plugins/mysql/event_conversion.h"

#include <algorithm>

namespace sluice::mysql {

namespace {

SqlValue copy_value(const sdk::Value& value) {
  switch (value.kind()) {
    case SLUICE_VALUE_INT64:
      return value.as_int64();
    case SLUICE_VALUE_UINT64:
      return value.as_uint64();
    case SLUICE_VALUE_DOUBLE:
      return value.as_double();
    case SLUICE_VALUE_BYTES:
      return std::string(value.as_bytes());
    default:
      return std::monostate{};
  }
}

std::vector<SqlValue> copy_row(const sdk::Row& row) {
  std::vector<SqlValue> values;
  values.reserve(row.size());
  for (size_t i = 0; i < row.size(); ++i)
    values.push_back(copy_value(row[i]));
  return values;
}

}  // namespace

std::shared_ptr<const TableInfo> TableCache::get(const sdk::Table& table,
                                                 const sluice_table_t* raw) {
  if (auto found = tables_.find(raw); found != tables_.end()) return found->second;
  auto info = std::make_shared<TableInfo>();
  info->schema = std::string(table.schema_name());
  info->table = std::string(table.table_name());
  for (sdk::Column column : table.columns()) {
    ColumnInfo copy;
    copy.name = std::string(column.name());
    copy.mysql_type = column.mysql_type();
    copy.binary = (column.flags() & SLUICE_COLUMN_BINARY) != 0 || column.charset() == "binary";
    copy.generated = (column.flags() & SLUICE_COLUMN_GENERATED) != 0;
    info->columns.push_back(std::move(copy));
  }
  for (sdk::Key key : table.keys()) {
    KeyInfo copy;
    copy.name = std::string(key.name());
    copy.primary = key.is_primary();
    bool valid = true;
    for (uint32_t index : key.column_indexes()) {
      if (index >= info->columns.size()) valid = false;
      copy.columns.push_back(index);
    }
    if (valid && !copy.columns.empty()) info->keys.push_back(std::move(copy));
  }
  // PRIMARY first, then unique keys in the order given (the original sorts the same way).
  std::stable_partition(info->keys.begin(), info->keys.end(),
                        [](const KeyInfo& key) { return key.primary; });
  tables_.emplace(raw, info);
  return info;
}

sdk::Status to_dml(const sdk::Event& event, int64_t commit_ts, bool safe_mode, TableCache& tables,
                   Dml& out) {
  const std::string where =
      std::string(event.schema_name()) + "." + std::string(event.table_name());
  if (!event.has_table()) {
    return sdk::Status::rejected("row event on " + where + " carries no table layout");
  }
  out = Dml{};
  out.table = tables.get(event.table(), event.raw()->table);
  out.commit_ts = commit_ts;
  out.safe_mode = safe_mode;
  switch (event.type()) {
    case sdk::EventType::kInsert:
      out.type = DmlType::kInsert;
      break;
    case sdk::EventType::kUpdate:
      out.type = DmlType::kUpdate;
      break;
    case sdk::EventType::kDelete:
      out.type = DmlType::kDelete;
      break;
    default:
      return sdk::Status::rejected("unexpected event type on " + where);
  }
  if (out.type != DmlType::kInsert) {
    if (!event.old_values().present()) {
      return sdk::Status::rejected("update/delete on " + where + " has no old values");
    }
    out.old_values = copy_row(event.old_values());
  }
  if (out.type != DmlType::kDelete) {
    if (!event.new_values().present()) {
      return sdk::Status::rejected("insert/update on " + where + " has no new values");
    }
    out.new_values = copy_row(event.new_values());
  }
  return sdk::Status::ok();
}

}  // namespace sluice::mysql
