#pragma once
// DownstreamTables: what the downstream database says about a table (columns with types and
// nullability, PRIMARY then other unique keys), read from information_schema on first use and
// cached per table until a DDL evicts it (facts §6, "SQL sinks": the loader keys its WHERE clauses
// and causality on the downstream table's keys). resolve() turns an event's layout into the one
// the loader uses: the event's columns (values stay where the event put them) with the downstream
// keys, binary flags and generated columns. Owned by one DmlApplier; one thread at a time.

#include <sluice/sdk/plugin.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plugins/mysql/dml.h"
#include "plugins/mysql/mysql_connection.h"

namespace sluice::mysql {

struct DownstreamColumn {
  std::string name;
  std::string data_type;    // information_schema DATA_TYPE, e.g. "varbinary"
  std::string column_type;  // COLUMN_TYPE, e.g. "varbinary(16)"
  bool nullable = true;
  bool generated = false;
};

struct DownstreamKey {
  std::string name;
  bool primary = false;
  std::vector<std::string> columns;  // in key order
};

struct DownstreamTable {
  std::vector<DownstreamColumn> columns;  // in ordinal order
  std::vector<DownstreamKey> keys;        // PRIMARY first, then unique keys by name
};

// Whether bytes for a column of this DATA_TYPE are bound as a blob (binary-safe).
bool is_binary_data_type(std::string_view data_type);

class DownstreamTables {
 public:
  // The downstream description of schema.table, read on a miss; `out` is nullptr when the table
  // does not exist downstream. Errors come back as status_of() (RETRY for a lost connection).
  sdk::Status lookup(MysqlConnection& connection, const std::string& schema,
                     const std::string& table, std::shared_ptr<const DownstreamTable>& out);

  // `upstream` with the downstream keys (columns matched by name, case-insensitively; a key with
  // a column the event lacks is dropped), binary and generated flags from the downstream column
  // types. `upstream` itself when the table does not exist downstream. Cached per layout.
  sdk::Status resolve(MysqlConnection& connection, const std::shared_ptr<const TableInfo>& upstream,
                      std::shared_ptr<const TableInfo>& out);

  // sync-mode 2 (SyncPartialColumn): resolve(), then the columns missing downstream are dropped.
  // `keep` lists the indexes in `upstream` of the columns `out` has (nullptr: all of them); the
  // caller projects each row's values through it. Cached per layout.
  sdk::Status resolve_partial(MysqlConnection& connection,
                              const std::shared_ptr<const TableInfo>& upstream,
                              std::shared_ptr<const TableInfo>& out,
                              std::shared_ptr<const std::vector<size_t>>& keep);

  // After a DDL: forget one table, or every table of a schema.
  void evict_table(const std::string& schema, const std::string& table);
  void evict_schema(const std::string& schema);

  size_t cached_tables() const { return tables_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const DownstreamTable>> tables_;
  // Resolved layouts by (schema, table) and then by the event's column list.
  std::map<std::pair<std::string, std::string>,
           std::map<std::string, std::shared_ptr<const TableInfo>>>
      resolved_;
  struct Partial {
    std::shared_ptr<const TableInfo> table;
    std::shared_ptr<const std::vector<size_t>> keep;
  };
  std::map<std::pair<std::string, std::string>, std::map<std::string, Partial>> partial_;
};

}  // namespace sluice::mysql
