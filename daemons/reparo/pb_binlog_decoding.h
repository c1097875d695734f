#pragma once
// pb_binlog decoding: one record payload of the drainer's file output (a marshalled
// pb_binlog.Binlog, core/proto/pb_binlog.proto) back into row changes or a DDL statement. The
// inverse of plugins/file/pb_binlog_encoder: column values are TiDB datum values (NULL 0x00,
// compact bytes 0x02, int 0x03, uint 0x04, float 0x05, varint 0x08, uvarint 0x09, and
// memcomparable bytes 0x01); decimals, dates, times and JSON arrive as text, as the original
// writes them. Update: value = OLD, changed_value = NEW. DDL: "use `db`; query;" is split into
// the schema and the statement. Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "plugins/mysql/dml.h"

namespace sluice::reparo {

enum class RowChange { kInsert, kUpdate, kDelete };

struct DecodedColumn {
  std::string name;
  uint8_t mysql_type = 0;  // tp[0]
  std::string type_name;   // mysql_type, e.g. "varchar"
  // Insert: the new value; Delete: the old value; Update: the old value.
  mysql::SqlValue value;
  // Update only: the new value.
  std::optional<mysql::SqlValue> changed_value;
};

struct DecodedEvent {
  std::string schema;
  std::string table;
  RowChange type = RowChange::kInsert;
  std::vector<DecodedColumn> columns;
};

struct DecodedBinlog {
  bool is_ddl = false;
  int64_t commit_ts = 0;
  std::vector<DecodedEvent> events;  // DML
  // DDL: the default schema (from "use `db`;", or the database a CREATE/DROP DATABASE names),
  // the table it changes when one can be told (empty otherwise), and the statement without the
  // "use" prefix and trailing ';'.
  std::string ddl_schema;
  std::string ddl_table;
  std::string ddl_query;
};

// One datum value. kCorruption for a truncated value, trailing bytes, or an unknown flag;
// kUnsupported for a datum kind the original never writes to files (decimal 0x06, duration 0x07,
// json 0x0a).
Result<mysql::SqlValue> decode_datum(std::string_view bytes);

// A record payload. kCorruption when it is not a pb_binlog.Binlog or a value is malformed.
Result<DecodedBinlog> decode_pb_binlog(std::string_view payload);

struct DdlTarget {
  std::string schema;
  std::string table;
  std::string query;
};
// Splits a ddl_query: the "use `db`; " prefix the original writes, the statement, and the schema
// and table the statement names (CREATE/ALTER/DROP/TRUNCATE/RENAME TABLE, CREATE/DROP INDEX ... ON,
// CREATE/DROP DATABASE; a qualified name db.t overrides the "use" schema).
DdlTarget split_ddl_query(std::string_view ddl_query);

}  // namespace sluice::reparo
