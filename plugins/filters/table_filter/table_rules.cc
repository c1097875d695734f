#include "plugins/filters/table_filter/table_rules.h"

#include <algorithm>
#include <string>

namespace sluice::table_filter {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

}  // namespace

TableRules::TableRules(const sdk::Config& config) {
  const std::string ignore_schemas =
      config.string_or("ignore-schemas", std::string(kDefaultIgnoreSchemas));
  std::string_view rest = ignore_schemas;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    if (!item.empty()) ignore_schemas_.emplace_back(item, "ignore-schemas");
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (auto do_dbs = config.get_strings("replicate-do-db")) {
    for (size_t i = 0; i < do_dbs->size(); ++i) {
      const std::string key = sdk::Config::index_key("replicate-do-db", i);
      if ((*do_dbs)[i].empty()) throw sdk::ConfigError("key '" + key + "' must not be empty");
      do_dbs_.emplace_back((*do_dbs)[i], key);
    }
  }
  do_tables_ = read_tables(config, "replicate-do-table");
  ignore_tables_ = read_tables(config, "ignore-table");
}

std::vector<TableRules::TablePattern> TableRules::read_tables(const sdk::Config& config,
                                                              std::string_view key) {
  std::vector<TablePattern> tables;
  const size_t count = config.get_array_size(key).value_or(0);
  for (size_t i = 0; i < count; ++i) {
    const std::string entry = sdk::Config::index_key(key, i);
    if (config.type(entry) != SLUICE_CONFIG_TABLE) {
      throw sdk::ConfigError("key '" + entry +
                             "' must be a table {db-name = \"...\", tbl-name = \"...\"}");
    }
    const std::string db_key = entry + ".db-name";
    const std::string table_key = entry + ".tbl-name";
    const std::string db = config.require_string(db_key);
    const std::string table = config.require_string(table_key);
    if (db.empty()) throw sdk::ConfigError("key '" + db_key + "' must not be empty");
    if (table.empty()) throw sdk::ConfigError("key '" + table_key + "' must not be empty");
    tables.push_back({NamePattern(db, db_key), NamePattern(table, table_key)});
  }
  return tables;
}

bool TableRules::any_schema(const std::vector<NamePattern>& patterns, std::string_view schema) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const NamePattern& pattern) { return pattern.matches(schema); });
}

bool TableRules::any_table(const std::vector<TablePattern>& patterns, std::string_view schema,
                           std::string_view table) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const TablePattern& pattern) {
    return pattern.schema.matches(schema) && pattern.table.matches(table);
  });
}

bool TableRules::passes(std::string_view schema, std::string_view table) const {
  const bool database_level = table.empty();
  if (!do_dbs_.empty() || !do_tables_.empty()) {
    bool allowed = any_schema(do_dbs_, schema);
    if (!allowed) {
      allowed = database_level ? std::any_of(do_tables_.begin(), do_tables_.end(),
                                             [&](const TablePattern& pattern) {
                                               return pattern.schema.matches(schema);
                                             })
                               : any_table(do_tables_, schema, table);
    }
    if (!allowed) return false;
  }
  if (!database_level && any_table(ignore_tables_, schema, table)) return false;
  return !any_schema(ignore_schemas_, schema);
}

}  // namespace sluice::table_filter
