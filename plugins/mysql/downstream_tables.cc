#include "plugins/mysql/downstream_tables.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace sluice::mysql {

namespace {

// Column names compare case-insensitively in MySQL.
bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string layout_signature(const TableInfo& table) {
  std::string signature;
  for (const ColumnInfo& column : table.columns) {
    signature += column.name;
    signature += column.binary ? "\x01" : "\x02";
    signature += '\0';
  }
  return signature;
}

}  // namespace

bool is_binary_data_type(std::string_view data_type) {
  static constexpr std::string_view kBinary[] = {"binary",     "varbinary", "tinyblob", "blob",
                                                 "mediumblob", "longblob",  "bit"};
  return std::any_of(std::begin(kBinary), std::end(kBinary),
                     [&](std::string_view type) { return same_name(type, data_type); });
}

sdk::Status DownstreamTables::lookup(MysqlConnection& connection, const std::string& schema,
                                     const std::string& table,
                                     std::shared_ptr<const DownstreamTable>& out) {
  const auto key = std::make_pair(schema, table);
  if (auto found = tables_.find(key); found != tables_.end()) {
    out = found->second;
    return sdk::Status::ok();
  }
  const std::string what = "reading the layout of " + schema + "." + table;
  const BoundValues names{{schema}, {table}};
  std::vector<SqlRow> rows;
  if (auto error =
          connection.query("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, EXTRA FROM "
                           "information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
                           "ORDER BY ORDINAL_POSITION",
                           names, rows)) {
    return status_of(*error, what);
  }
  if (rows.empty()) {
    out = nullptr;  // not cached: a later CREATE TABLE makes it exist
    return sdk::Status::ok();
  }
  auto info = std::make_shared<DownstreamTable>();
  for (const SqlRow& row : rows) {
    if (row.size() < 5 || !row[0]) continue;
    DownstreamColumn column;
    column.name = *row[0];
    column.data_type = row[1].value_or("");
    column.column_type = row[2].value_or("");
    column.nullable = row[3].value_or("YES") == "YES";
    // MariaDB: "VIRTUAL GENERATED" / "STORED GENERATED" (older: "PERSISTENT GENERATED").
    column.generated = row[4].value_or("").find("GENERATED") != std::string::npos;
    info->columns.push_back(std::move(column));
  }
  if (auto error = connection.query(
          "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE "
          "TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 "
          "ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
          names, rows)) {
    return status_of(*error, what);
  }
  for (const SqlRow& row : rows) {
    if (row.size() < 2 || !row[0] || !row[1]) continue;
    if (info->keys.empty() || info->keys.back().name != *row[0]) {
      info->keys.push_back(DownstreamKey{*row[0], *row[0] == "PRIMARY", {}});
    }
    info->keys.back().columns.push_back(*row[1]);
  }
  out = info;
  tables_.emplace(key, std::move(info));
  return sdk::Status::ok();
}

sdk::Status DownstreamTables::resolve(MysqlConnection& connection,
                                      const std::shared_ptr<const TableInfo>& upstream,
                                      std::shared_ptr<const TableInfo>& out) {
  const auto key = std::make_pair(upstream->schema, upstream->table);
  const std::string signature = layout_signature(*upstream);
  if (auto table = resolved_.find(key); table != resolved_.end()) {
    if (auto found = table->second.find(signature); found != table->second.end()) {
      out = found->second;
      return sdk::Status::ok();
    }
  }
  std::shared_ptr<const DownstreamTable> downstream;
  if (auto status = lookup(connection, upstream->schema, upstream->table, downstream);
      !status.is_ok()) {
    return status;
  }
  if (!downstream) {
    out = upstream;
    return sdk::Status::ok();
  }
  auto info = std::make_shared<TableInfo>(*upstream);
  auto index_of = [&](std::string_view name) -> std::optional<size_t> {
    for (size_t i = 0; i < info->columns.size(); ++i) {
      if (same_name(info->columns[i].name, name)) return i;
    }
    return std::nullopt;
  };
  for (const DownstreamColumn& column : downstream->columns) {
    if (auto index = index_of(column.name)) {
      info->columns[*index].binary = is_binary_data_type(column.data_type);
      info->columns[*index].generated = column.generated;
    }
  }
  info->keys.clear();
  for (const DownstreamKey& key_info : downstream->keys) {
    KeyInfo copy{key_info.name, key_info.primary, {}};
    bool complete = true;
    for (const std::string& name : key_info.columns) {
      auto index = index_of(name);
      if (!index) {
        complete = false;  // the event does not carry this key's columns
        break;
      }
      copy.columns.push_back(*index);
    }
    if (complete) info->keys.push_back(std::move(copy));
  }
  out = info;
  resolved_[key][signature] = std::move(info);
  return sdk::Status::ok();
}

sdk::Status DownstreamTables::resolve_partial(MysqlConnection& connection,
                                              const std::shared_ptr<const TableInfo>& upstream,
                                              std::shared_ptr<const TableInfo>& out,
                                              std::shared_ptr<const std::vector<size_t>>& keep) {
  const auto key = std::make_pair(upstream->schema, upstream->table);
  const std::string signature = layout_signature(*upstream);
  if (auto table = partial_.find(key); table != partial_.end()) {
    if (auto found = table->second.find(signature); found != table->second.end()) {
      out = found->second.table;
      keep = found->second.keep;
      return sdk::Status::ok();
    }
  }
  std::shared_ptr<const TableInfo> full;
  if (auto status = resolve(connection, upstream, full); !status.is_ok()) return status;
  std::shared_ptr<const DownstreamTable> downstream;
  if (auto status = lookup(connection, upstream->schema, upstream->table, downstream);
      !status.is_ok()) {
    return status;
  }
  Partial partial{full, nullptr};
  if (downstream) {
    std::vector<size_t> kept;
    std::vector<size_t> new_index(full->columns.size(), SIZE_MAX);
    for (size_t i = 0; i < full->columns.size(); ++i) {
      const bool present = std::any_of(
          downstream->columns.begin(), downstream->columns.end(),
          [&](const DownstreamColumn& c) { return same_name(c.name, full->columns[i].name); });
      if (!present) continue;
      new_index[i] = kept.size();
      kept.push_back(i);
    }
    if (kept.size() != full->columns.size()) {
      auto info = std::make_shared<TableInfo>();
      info->schema = full->schema;
      info->table = full->table;
      for (size_t index : kept)
        info->columns.push_back(full->columns[index]);
      // Downstream keys name downstream columns only, so every key column is kept.
      for (const KeyInfo& key_info : full->keys) {
        KeyInfo copy{key_info.name, key_info.primary, {}};
        for (size_t index : key_info.columns)
          copy.columns.push_back(new_index[index]);
        info->keys.push_back(std::move(copy));
      }
      partial.table = std::move(info);
      partial.keep = std::make_shared<const std::vector<size_t>>(std::move(kept));
    }
  }
  out = partial.table;
  keep = partial.keep;
  if (downstream) partial_[key][signature] = std::move(partial);  // a missing table may appear
  return sdk::Status::ok();
}

void DownstreamTables::evict_table(const std::string& schema, const std::string& table) {
  tables_.erase(std::make_pair(schema, table));
  resolved_.erase(std::make_pair(schema, table));
  partial_.erase(std::make_pair(schema, table));
}

void DownstreamTables::evict_schema(const std::string& schema) {
  std::erase_if(tables_, [&](const auto& entry) { return entry.first.first == schema; });
  std::erase_if(resolved_, [&](const auto& entry) { return entry.first.first == schema; });
  std::erase_if(partial_, [&](const auto& entry) { return entry.first.first == schema; });
}

}  // namespace sluice::mysql
