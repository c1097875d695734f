#pragma once
// Compares two MySQL/MariaDB databases (or pairs of schemas) the way sync-diff-inspector does:
// first the table lists and each table's column definitions; then, for tables with a primary key,
// the key range is split into chunks of `chunk_size` rows (boundaries taken from the source) and
// each chunk's row count and aggregate checksum (BIT_XOR of a CRC32 per row, computed by SQL on
// each side) are compared; only chunks that differ are fetched and compared row by row. Tables
// without a primary key get one whole-table checksum, then a comparison of all their rows.
// Every difference is printed to the given stream as one line naming the table and the row.
//
// compare_databases() opens its own two connections and closes them before returning; it keeps
// no state between calls. Any thread may call it; the stream must not be written by others
// meanwhile.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "plugins/mysql/mysql_connection.h"

namespace sluice::sync_diff {

// A schema on the source and the schema compared with it on the target (usually the same name).
struct SchemaPair {
  std::string source;
  std::string target;
};

// "db" or "db=other_db".
Result<SchemaPair> parse_schema_pair(const std::string& text);

struct DiffOptions {
  mysql::ConnectionOptions source;
  mysql::ConnectionOptions target;
  // Empty: every schema of the source except the system ones (mysql, information_schema,
  // performance_schema, sys) and tidb_binlog (the drainer's checkpoint).
  std::vector<SchemaPair> schemas;
  int64_t chunk_size = 1000;
  // Differing rows printed per table; the counts cover all of them.
  int64_t max_printed_rows = 100;
};

struct DiffSummary {
  int64_t tables_compared = 0;   // present on both sides
  int64_t tables_differing = 0;  // missing on a side, other columns, or other rows
  int64_t chunks_checked = 0;
  int64_t chunks_differing = 0;
  int64_t rows_missing = 0;  // on the target
  int64_t rows_extra = 0;    // on the target
  int64_t rows_changed = 0;  // same key, other values

  bool equal() const { return tables_differing == 0; }
};

// Errors (unreachable server, missing schema, a failing query) name the side and the cause;
// the passwords never appear in them.
Result<DiffSummary> compare_databases(const DiffOptions& options, std::ostream& out);

}  // namespace sluice::sync_diff
