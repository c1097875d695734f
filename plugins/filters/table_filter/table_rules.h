#pragma once
// TableRules: the original drainer's table filter (pkg/filter), from the [syncer] keys
//   ignore-schemas      = "a,b"   (default "INFORMATION_SCHEMA,PERFORMANCE_SCHEMA,mysql")
//   replicate-do-db     = ["db", "~regex"]
//   replicate-do-table  = [{db-name = "db", tbl-name = "t"}, ...]
//   ignore-table        = [{db-name = "db", tbl-name = "~tmp_.*"}, ...]
// Names are NamePatterns (case-insensitive). A table passes the allow-list when replicate-do-db
// or replicate-do-table matches it (both empty: every table does), then must not be matched by
// ignore-table or ignore-schemas. A database-level statement (empty table name) is judged by
// schema alone: it passes the allow-list when replicate-do-db matches the schema or a
// replicate-do-table entry's db-name does, and only ignore-schemas blocks it.
// Immutable after construction; passes() is thread-safe.

#include <sluice/sdk/plugin.h>

#include <string_view>
#include <vector>

#include "plugins/filters/table_filter/name_pattern.h"

namespace sluice::table_filter {

inline constexpr std::string_view kDefaultIgnoreSchemas =
    "INFORMATION_SCHEMA,PERFORMANCE_SCHEMA,mysql";  // the original's default

class TableRules {
 public:
  // Reads and checks the keys above; throws sdk::ConfigError naming the key at fault.
  explicit TableRules(const sdk::Config& config);

  bool passes(std::string_view schema, std::string_view table) const;

 private:
  struct TablePattern {
    NamePattern schema;
    NamePattern table;
  };
  static std::vector<TablePattern> read_tables(const sdk::Config& config, std::string_view key);
  static bool any_schema(const std::vector<NamePattern>& patterns, std::string_view schema);
  static bool any_table(const std::vector<TablePattern>& patterns, std::string_view schema,
                        std::string_view table);

  std::vector<NamePattern> ignore_schemas_;
  std::vector<NamePattern> do_dbs_;
  std::vector<TablePattern> do_tables_;
  std::vector<TablePattern> ignore_tables_;
};

}  // namespace sluice::table_filter
