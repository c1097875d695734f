#pragma once
// The subset of TiDB's schema model (parser/model) Sluice needs, in TiDB's JSON shape: databases,
// tables with columns/indices/partitions, and DDL jobs with their binlog info. Parsed through
// core/common/json_reader.h, so nothing throws: a missing, mistyped or out-of-range field is an
// InvalidArgument naming the key and both types (null reads as absent, as in Go). Value types.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"

namespace sluice::schema {

// TiDB's SchemaState values.
enum class SchemaState : int {
  kNone = 0,
  kDeleteOnly = 1,
  kWriteOnly = 2,
  kWriteReorganization = 3,
  kDeleteReorganization = 4,
  kPublic = 5,
};

// MySQL column flags as TiDB stores them in FieldType.Flag.
inline constexpr uint32_t kNotNullFlag = 1;
inline constexpr uint32_t kPriKeyFlag = 2;
inline constexpr uint32_t kUniqueKeyFlag = 4;
inline constexpr uint32_t kMultipleKeyFlag = 8;
inline constexpr uint32_t kBlobFlag = 16;
inline constexpr uint32_t kUnsignedFlag = 32;
inline constexpr uint32_t kBinaryFlag = 128;

// MySQL protocol type bytes (mysql.TypeXxx).
namespace mysql_type {
inline constexpr uint8_t kDecimal = 0;
inline constexpr uint8_t kTiny = 1;
inline constexpr uint8_t kShort = 2;
inline constexpr uint8_t kLong = 3;
inline constexpr uint8_t kFloat = 4;
inline constexpr uint8_t kDouble = 5;
inline constexpr uint8_t kNull = 6;
inline constexpr uint8_t kTimestamp = 7;
inline constexpr uint8_t kLonglong = 8;
inline constexpr uint8_t kInt24 = 9;
inline constexpr uint8_t kDate = 10;
inline constexpr uint8_t kDuration = 11;
inline constexpr uint8_t kDatetime = 12;
inline constexpr uint8_t kYear = 13;
inline constexpr uint8_t kNewDate = 14;
inline constexpr uint8_t kVarchar = 15;
inline constexpr uint8_t kBit = 16;
inline constexpr uint8_t kJson = 245;
inline constexpr uint8_t kNewDecimal = 246;
inline constexpr uint8_t kEnum = 247;
inline constexpr uint8_t kSet = 248;
inline constexpr uint8_t kTinyBlob = 249;
inline constexpr uint8_t kMediumBlob = 250;
inline constexpr uint8_t kLongBlob = 251;
inline constexpr uint8_t kBlob = 252;
inline constexpr uint8_t kVarString = 253;
inline constexpr uint8_t kString = 254;
inline constexpr uint8_t kGeometry = 255;
}  // namespace mysql_type

struct ColumnInfo {
  int64_t id = 0;
  std::string name;
  int offset = 0;
  uint8_t type = mysql_type::kLong;
  uint32_t flag = 0;
  int flen = -1;
  int decimal = -1;
  std::string charset;
  std::string collate;
  std::vector<std::string> elems;                   // ENUM/SET members
  std::optional<std::string> default_value;         // as TiDB stores it (text), absent = no default
  std::optional<std::string> origin_default_value;  // default when the column was added
  std::string generated_expr;
  SchemaState state = SchemaState::kPublic;

  bool is_unsigned() const { return (flag & kUnsignedFlag) != 0; }
  bool is_primary_key() const { return (flag & kPriKeyFlag) != 0; }
  bool is_generated() const { return !generated_expr.empty(); }
};

struct IndexColumn {
  std::string name;
  int offset = 0;
  int length = -1;
};

struct IndexInfo {
  int64_t id = 0;
  std::string name;
  std::vector<IndexColumn> columns;
  bool unique = false;
  bool primary = false;
  SchemaState state = SchemaState::kPublic;
};

struct PartitionDefinition {
  int64_t id = 0;
  std::string name;
};

struct TableInfo {
  int64_t id = 0;
  std::string name;
  std::string charset;
  std::string collate;
  std::vector<ColumnInfo> columns;
  std::vector<IndexInfo> indices;
  bool pk_is_handle = false;
  bool is_common_handle = false;
  std::vector<PartitionDefinition> partitions;  // empty: not partitioned
  SchemaState state = SchemaState::kPublic;
  bool is_view = false;
  bool is_sequence = false;

  const ColumnInfo* find_column(int64_t column_id) const;
  const ColumnInfo* find_column(std::string_view name) const;  // case-insensitive
  // The primary index of a clustered (common handle) table; nullptr otherwise.
  const IndexInfo* primary_index() const;
  // The integer primary-key column of a pk_is_handle table; nullptr otherwise.
  const ColumnInfo* handle_column() const;
};

struct DbInfo {
  int64_t id = 0;
  std::string name;
  std::string charset;
  std::string collate;
  SchemaState state = SchemaState::kPublic;
};

// model.ActionType values Sluice acts on (the rest leave layouts unchanged).
namespace action {
inline constexpr int kCreateSchema = 1;
inline constexpr int kDropSchema = 2;
inline constexpr int kCreateTable = 3;
inline constexpr int kDropTable = 4;
inline constexpr int kAddColumn = 5;
inline constexpr int kDropColumn = 6;
inline constexpr int kAddIndex = 7;
inline constexpr int kDropIndex = 8;
inline constexpr int kTruncateTable = 11;
inline constexpr int kModifyColumn = 12;
inline constexpr int kRenameTable = 14;
inline constexpr int kAddTablePartition = 19;
inline constexpr int kDropTablePartition = 20;
inline constexpr int kCreateView = 21;
inline constexpr int kTruncateTablePartition = 23;
inline constexpr int kDropView = 24;
inline constexpr int kRecoverTable = 25;
inline constexpr int kModifySchemaCharsetAndCollate = 26;
inline constexpr int kCreateSequence = 34;
inline constexpr int kDropSequence = 36;
inline constexpr int kRenameTables = 47;
inline constexpr int kCreateTables = 60;
}  // namespace action

// model.JobState values.
inline constexpr int kJobStateDone = 4;
inline constexpr int kJobStateSynced = 6;

struct DdlJob {
  int64_t id = 0;
  int type = 0;
  int64_t schema_id = 0;
  int64_t table_id = 0;
  std::string schema_name;
  std::string table_name;
  int state = 0;
  std::string query;
  // From the job's binlog info:
  int64_t schema_version = 0;
  std::optional<DbInfo> db_info;
  std::optional<TableInfo> table_info;
  std::vector<TableInfo> multiple_table_infos;  // RenameTables / CreateTables
  int64_t finished_ts = 0;
};

Result<TableInfo> parse_table_info(const nlohmann::json& json);
Result<DbInfo> parse_db_info(const nlohmann::json& json);
Result<DdlJob> parse_ddl_job(std::string_view json_text);
Result<DdlJob> parse_ddl_job_json(const nlohmann::json& object);

// TiDB-shaped JSON, for producers and snapshots.
nlohmann::json to_json(const TableInfo& table);
nlohmann::json to_json(const DbInfo& db);
nlohmann::json to_json(const DdlJob& job);

}  // namespace sluice::schema
