#pragma once
// Catalog: the databases and tables a producer writes to, with ids assigned the way TiDB assigns
// them, and the DDL jobs TiDB would log for each change.
//
// - One global id counter (TiDB's meta GenGlobalID) shared by databases, tables, partitions and,
//   as in TiDB, DDL job ids: an object's ids are taken first, then its job's id. Start: 100.
// - Column ids 1, 2, ... per table in definition order, never reused; index ids likewise.
// - Every DDL raises the schema version by one and returns the finished job (state synced, binlog
//   info with the schema version, DBInfo/TableInfo and the statement text) for the caller to emit
//   with Producer::execute_ddl.
// - A single integer primary key makes the table pk_is_handle; any other primary key is a PRIMARY
//   index, clustered (common handle) or not as asked; tables without an integer handle get row ids
//   from a per-table counter, as TiDB's _tidb_rowid.
//
// Owns its state. Thread-safe: every method takes an internal lock; table layouts are handed out
// as immutable shared snapshots.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/schema/table_info.h"

namespace sluice::producer {

struct CatalogOptions {
  int64_t first_global_id = 100;
  // The schema version before the first DDL; the first DDL gets this + 1.
  int64_t initial_schema_version = 0;
  // TiDB takes DDL job ids from the global id counter; false gives jobs their own counter 1, 2...
  bool job_ids_from_global_counter = true;
};

struct ColumnSpec {
  std::string name;
  uint8_t type = schema::mysql_type::kLong;  // schema::mysql_type::k*
  bool is_unsigned = false;
  bool not_null = false;
  bool primary_key = false;        // shorthand for TableSpec::primary_key = {name}
  bool binary = false;             // BINARY/VARBINARY/BLOB: charset binary instead of utf8mb4
  int flen = -1;                   // -1: the type's default (VARCHAR needs one)
  int decimal = -1;                // scale of DECIMAL, fsp of DATETIME/TIMESTAMP/TIME; -1: default
  std::vector<std::string> elems;  // ENUM/SET members
  std::optional<std::string> default_value;  // as TiDB stores it: text ("0", "abc")
};

// How a primary key that is not a single integer column is stored.
enum class PrimaryKeyKind {
  kDefault,       // as TiDB's default (tidb_enable_clustered_index = INT_ONLY): non-clustered
  kClustered,     // CLUSTERED: the key is the handle (common handle)
  kNonclustered,  // NONCLUSTERED: a PRIMARY index plus _tidb_rowid, even for a single int key
};

struct UniqueKeySpec {
  std::string name;  // empty: the first column's name, as MySQL names it
  std::vector<std::string> columns;
};

// A secondary index added to an existing table (ALTER TABLE ... ADD [UNIQUE] INDEX).
struct IndexSpec {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
};

struct TableSpec {
  std::string name;
  std::vector<ColumnSpec> columns;
  std::vector<std::string> primary_key;  // column names; empty: the columns marked primary_key
  PrimaryKeyKind primary_key_kind = PrimaryKeyKind::kDefault;
  std::vector<UniqueKeySpec> unique_keys;
  // Partition names; each partition gets an id from the global counter after the table's.
  std::vector<std::string> partitions;
  // The PARTITION BY expression shown in the statement text, e.g. "HASH(`id`)".
  std::string partition_by;
};

// A table as DML sees it: names, the layout (immutable snapshot) and the database id.
struct TableRef {
  std::string db_name;
  int64_t db_id = 0;
  std::shared_ptr<const schema::TableInfo> info;
};

class Catalog {
 public:
  explicit Catalog(CatalogOptions options = {});

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  Result<schema::DdlJob> create_database(std::string_view name);
  Result<schema::DdlJob> drop_database(std::string_view name);
  Result<schema::DdlJob> create_table(std::string_view db, const TableSpec& spec);
  // `default_value`, when given, replaces column.default_value. The new column is appended, gets
  // the next column id and records its default as the origin default (what older rows read).
  Result<schema::DdlJob> add_column(std::string_view db, std::string_view table,
                                    const ColumnSpec& column,
                                    std::optional<std::string> default_value = std::nullopt);
  // The index gets the next index id; its first column gets TiDB's key flag (UNIQUE_KEY for a
  // one-column unique index, MULTIPLE_KEY otherwise). Refuses a duplicate name (PRIMARY included,
  // case-insensitively), an unknown or repeated column and an empty column list.
  Result<schema::DdlJob> add_index(std::string_view db, std::string_view table,
                                   const IndexSpec& index);
  Result<schema::DdlJob> drop_table(std::string_view db, std::string_view table);
  // Gives the table (and each partition) a new id and restarts its row ids.
  Result<schema::DdlJob> truncate_table(std::string_view db, std::string_view table);

  // Names are matched case-insensitively.
  Result<TableRef> find_table(std::string_view db, std::string_view table) const;
  std::optional<schema::DbInfo> find_database(std::string_view db) const;

  int64_t schema_version() const;

  // Next _tidb_rowid of a table (by logical table id; partitions share their table's counter).
  Result<int64_t> allocate_row_id(int64_t table_id);

  // Row ids of rows inserted through this catalog, by a key the caller builds from the row (see
  // TransactionBuilder), so updates and deletes of tables without an integer handle find them.
  void remember_row_id(int64_t table_id, const std::string& key, int64_t row_id);
  std::optional<int64_t> find_row_id(int64_t table_id, const std::string& key) const;
  void forget_row_id(int64_t table_id, const std::string& key);

 private:
  struct TableState {
    std::shared_ptr<const schema::TableInfo> info;
    int64_t max_column_id = 0;
    int64_t max_index_id = 0;
    int64_t next_row_id = 1;
    std::map<std::string, int64_t> row_ids;
  };
  struct DatabaseState {
    schema::DbInfo info;
    std::map<std::string, int64_t> tables;  // lower-case name -> table id
  };

  int64_t next_global_id();
  // Takes the job id (after the ids of the objects the job creates) and the next schema version.
  schema::DdlJob new_job(int type, const schema::DbInfo& db, std::string query);
  Result<DatabaseState*> database(std::string_view name);
  Result<const DatabaseState*> database(std::string_view name) const;
  Result<int64_t> table_id(const DatabaseState& db, std::string_view name) const;

  CatalogOptions options_;
  mutable std::mutex mutex_;
  int64_t next_id_;
  int64_t next_separate_job_id_ = 1;
  int64_t schema_version_;
  std::map<std::string, DatabaseState> databases_;  // by lower-case name
  std::map<int64_t, TableState> tables_;            // by table id
};

}  // namespace sluice::producer
