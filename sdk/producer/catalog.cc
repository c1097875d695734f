#include "sdk/producer/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/codec/mysql_decimal.h"
#include "sdk/producer/datum_conversion.h"
#include "sdk/producer/ddl_text.h"

namespace sluice::producer {
namespace {

namespace mt = schema::mysql_type;

constexpr const char* kDefaultCharset = "utf8mb4";
constexpr const char* kDefaultCollation = "utf8mb4_bin";  // TiDB's default collation
constexpr const char* kBinary = "binary";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// TiDB's default display length and decimals per type (mysql.GetDefaultFieldLengthAndDecimal);
// -1 where the value does not fit an int (LONGBLOB, JSON) or has none.
std::pair<int, int> default_flen_decimal(uint8_t type, bool is_unsigned) {
  switch (type) {
    case mt::kTiny:
      return {is_unsigned ? 3 : 4, 0};
    case mt::kShort:
      return {is_unsigned ? 5 : 6, 0};
    case mt::kInt24:
      return {is_unsigned ? 8 : 9, 0};
    case mt::kLong:
      return {is_unsigned ? 10 : 11, 0};
    case mt::kLonglong:
      return {20, 0};
    case mt::kFloat:
      return {12, -1};
    case mt::kDouble:
      return {22, -1};
    case mt::kNewDecimal:
      return {10, 0};
    case mt::kDate:
      return {10, 0};
    case mt::kDatetime:
    case mt::kTimestamp:
      return {19, 0};
    case mt::kDuration:
      return {10, 0};
    case mt::kYear:
      return {4, 0};
    case mt::kString:
      return {1, 0};
    case mt::kTinyBlob:
      return {255, 0};
    case mt::kBlob:
      return {65535, 0};
    case mt::kMediumBlob:
      return {16777215, 0};
    case mt::kBit:
      return {1, 0};
    default:
      return {-1, 0};
  }
}

bool is_supported_type(uint8_t type) {
  return is_integer_type(type) || is_string_type(type) || is_time_type(type) || type == mt::kYear ||
         type == mt::kFloat || type == mt::kDouble || type == mt::kNewDecimal ||
         type == mt::kDuration || type == mt::kJson || type == mt::kEnum || type == mt::kSet ||
         type == mt::kBit;
}

// The zero value a NOT NULL column added without a default shows in rows written before it
// existed (TiDB's origin default).
std::string zero_value_text(const schema::ColumnInfo& column) {
  if (is_time_type(column.type)) {
    return column.type == mt::kDate ? "0000-00-00" : "0000-00-00 00:00:00";
  }
  switch (column.type) {
    case mt::kDuration:
      return "00:00:00";
    case mt::kJson:
      return "null";
    case mt::kEnum:
      return column.elems.empty() ? "" : column.elems.front();
    case mt::kSet:
      return "";
    default:
      return is_string_type(column.type) ? "" : "0";
  }
}

// Builds a column's TiDB field type from a spec: type defaults, charset and flags.
Result<schema::ColumnInfo> build_column(const ColumnSpec& spec) {
  schema::ColumnInfo column;
  column.name = spec.name;
  column.type = spec.type;
  if (spec.name.empty()) return Status::invalid_argument("a column needs a name");
  if (!is_supported_type(spec.type)) {
    return Status::unsupported(
        fmt::format("column `{}`: MySQL type {} is not supported", spec.name, spec.type));
  }
  auto [flen, decimal] = default_flen_decimal(spec.type, spec.is_unsigned);
  if (spec.flen >= 0) flen = spec.flen;
  if (spec.decimal >= 0) decimal = spec.decimal;
  if ((spec.type == mt::kVarchar || spec.type == mt::kVarString) && spec.flen <= 0) {
    return Status::invalid_argument(
        fmt::format("column `{}`: VARCHAR needs a length (flen)", spec.name));
  }
  if (spec.type == mt::kNewDecimal && (flen < 1 || flen > codec::kMaxDecimalPrecision ||
                                       decimal > codec::kMaxDecimalScale || decimal > flen)) {
    return Status::invalid_argument(
        fmt::format("column `{}`: invalid DECIMAL({},{})", spec.name, flen, decimal));
  }
  const bool fractional =
      spec.type == mt::kDatetime || spec.type == mt::kTimestamp || spec.type == mt::kDuration;
  if (fractional) {
    if (decimal < 0 || decimal > 6) {
      return Status::invalid_argument(fmt::format(
          "column `{}`: fractional seconds precision {} is not 0..6", spec.name, decimal));
    }
    if (spec.flen < 0 && decimal > 0) flen += decimal + 1;  // "hh:mm:ss" + '.' + digits
  }
  if ((spec.type == mt::kEnum || spec.type == mt::kSet) && spec.elems.empty()) {
    return Status::invalid_argument(
        fmt::format("column `{}`: ENUM/SET needs members (elems)", spec.name));
  }
  if (spec.type == mt::kBit && (flen < 1 || flen > 64)) {
    return Status::invalid_argument(
        fmt::format("column `{}`: BIT({}) is not 1..64", spec.name, flen));
  }
  column.flen = flen;
  column.decimal = decimal;
  column.elems = spec.elems;
  const bool character =
      (is_string_type(spec.type) || spec.type == mt::kEnum || spec.type == mt::kSet) &&
      !spec.binary;
  if (character) {
    column.charset = kDefaultCharset;
    column.collate = kDefaultCollation;
  } else {
    // Numbers, times, JSON, BIT and binary strings: charset binary and the binary flag, as TiDB.
    column.charset = kBinary;
    column.collate = kBinary;
    column.flag |= schema::kBinaryFlag;
  }
  if (spec.type == mt::kTinyBlob || spec.type == mt::kBlob || spec.type == mt::kMediumBlob ||
      spec.type == mt::kLongBlob) {
    column.flag |= schema::kBlobFlag;
  }
  if (spec.is_unsigned) column.flag |= schema::kUnsignedFlag;
  if (spec.not_null) column.flag |= schema::kNotNullFlag;
  column.default_value = spec.default_value;
  column.state = schema::SchemaState::kPublic;
  return column;
}

Status check_default(const schema::ColumnInfo& column, const std::optional<std::string>& text) {
  if (!text) return Status::ok();
  return default_to_datum(column, *text)
      .status()
      .with_context(fmt::format("column `{}`: default '{}'", column.name, *text));
}

int find_offset(const schema::TableInfo& table, std::string_view name) {
  const schema::ColumnInfo* column = table.find_column(name);
  return column ? column->offset : -1;
}

std::string key_columns_text(const std::vector<schema::IndexColumn>& columns) {
  std::string out;
  for (const auto& column : columns) {
    if (!out.empty()) out += ',';
    out += quote_identifier(column.name);
  }
  return out;
}

std::string create_table_text(const schema::TableInfo& table, const TableSpec& spec) {
  std::string body;
  for (const auto& column : table.columns) {
    if (!body.empty()) body += ", ";
    body += column_definition_text(column);
  }
  const schema::ColumnInfo* handle = table.handle_column();
  if (handle != nullptr) {
    body += fmt::format(", PRIMARY KEY ({})", quote_identifier(handle->name));
    if (spec.primary_key_kind == PrimaryKeyKind::kClustered) {
      body += " /*T![clustered_index] CLUSTERED */";
    }
  }
  for (const auto& index : table.indices) {
    body += index.primary ? ", PRIMARY KEY ("
                          : fmt::format(", UNIQUE KEY {} (", quote_identifier(index.name));
    body += key_columns_text(index.columns) + ")";
    if (index.primary && spec.primary_key_kind == PrimaryKeyKind::kClustered) {
      body += " /*T![clustered_index] CLUSTERED */";
    }
    if (index.primary && spec.primary_key_kind == PrimaryKeyKind::kNonclustered) {
      body += " /*T![clustered_index] NONCLUSTERED */";
    }
  }
  std::string text = fmt::format("CREATE TABLE {} ({})", quote_identifier(table.name), body);
  if (!table.partitions.empty() && !spec.partition_by.empty()) {
    std::string partitions;
    for (const auto& partition : table.partitions) {
      if (!partitions.empty()) partitions += ", ";
      partitions += "PARTITION " + quote_identifier(partition.name);
    }
    text += fmt::format(" PARTITION BY {} ({})", spec.partition_by, partitions);
  }
  return text;
}

}  // namespace

Catalog::Catalog(CatalogOptions options)
    : options_(options),
      next_id_(options.first_global_id),
      schema_version_(options.initial_schema_version) {}

int64_t Catalog::next_global_id() {
  return next_id_++;
}

schema::DdlJob Catalog::new_job(int type, const schema::DbInfo& db, std::string query) {
  schema::DdlJob job;
  job.id = options_.job_ids_from_global_counter ? next_global_id() : next_separate_job_id_++;
  job.type = type;
  job.schema_id = db.id;
  job.schema_name = db.name;
  job.state = schema::kJobStateSynced;
  job.query = std::move(query);
  job.schema_version = ++schema_version_;
  return job;
}

Result<Catalog::DatabaseState*> Catalog::database(std::string_view name) {
  const auto it = databases_.find(lower(name));
  if (it == databases_.end()) {
    return Status::not_found(fmt::format("unknown database `{}`", name));
  }
  return &it->second;
}

Result<const Catalog::DatabaseState*> Catalog::database(std::string_view name) const {
  const auto it = databases_.find(lower(name));
  if (it == databases_.end()) {
    return Status::not_found(fmt::format("unknown database `{}`", name));
  }
  return &it->second;
}

Result<int64_t> Catalog::table_id(const DatabaseState& db, std::string_view name) const {
  const auto it = db.tables.find(lower(name));
  if (it == db.tables.end()) {
    return Status::not_found(fmt::format("table `{}`.`{}` doesn't exist", db.info.name, name));
  }
  return it->second;
}

Result<schema::DdlJob> Catalog::create_database(std::string_view name) {
  if (name.empty()) return Status::invalid_argument("a database needs a name");
  std::lock_guard lock(mutex_);
  const std::string key = lower(name);
  if (databases_.count(key) != 0) {
    return Status::already_exists(fmt::format("database `{}` exists", name));
  }
  schema::DbInfo db;
  db.id = next_global_id();
  db.name = std::string(name);
  db.charset = kDefaultCharset;
  db.collate = kDefaultCollation;
  db.state = schema::SchemaState::kPublic;
  schema::DdlJob job =
      new_job(schema::action::kCreateSchema, db, "CREATE DATABASE " + quote_identifier(name));
  job.db_info = db;
  databases_[key] = DatabaseState{db, {}};
  return job;
}

Result<schema::DdlJob> Catalog::drop_database(std::string_view name) {
  std::lock_guard lock(mutex_);
  SLUICE_ASSIGN_OR_RETURN(DatabaseState * db, database(name));
  schema::DbInfo info = db->info;
  info.state = schema::SchemaState::kNone;
  schema::DdlJob job =
      new_job(schema::action::kDropSchema, db->info, "DROP DATABASE " + quote_identifier(name));
  job.db_info = info;
  for (const auto& [table_name, id] : db->tables)
    tables_.erase(id);
  databases_.erase(lower(name));
  return job;
}

Result<schema::DdlJob> Catalog::create_table(std::string_view db_name, const TableSpec& spec) {
  if (spec.name.empty()) return Status::invalid_argument("a table needs a name");
  if (spec.columns.empty()) {
    return Status::invalid_argument(fmt::format("table `{}` needs at least one column", spec.name));
  }
  std::lock_guard lock(mutex_);
  SLUICE_ASSIGN_OR_RETURN(DatabaseState * db, database(db_name));
  if (db->tables.count(lower(spec.name)) != 0) {
    return Status::already_exists(fmt::format("table `{}`.`{}` exists", db->info.name, spec.name));
  }
  auto context = [&](const Status& status) {
    return status.with_context(fmt::format("create table `{}`.`{}`", db->info.name, spec.name));
  };

  schema::TableInfo table;
  table.name = spec.name;
  table.charset = kDefaultCharset;
  table.collate = kDefaultCollation;
  table.state = schema::SchemaState::kPublic;
  TableState state;
  std::set<std::string> names;
  for (const auto& column_spec : spec.columns) {
    auto column = build_column(column_spec);
    if (!column.is_ok()) return context(column.status());
    if (!names.insert(lower(column_spec.name)).second) {
      return context(
          Status::invalid_argument(fmt::format("duplicate column `{}`", column_spec.name)));
    }
    column->id = ++state.max_column_id;
    column->offset = static_cast<int>(table.columns.size());
    table.columns.push_back(std::move(column).value());
  }

  std::vector<std::string> primary_key = spec.primary_key;
  if (primary_key.empty()) {
    for (const auto& column_spec : spec.columns) {
      if (column_spec.primary_key) primary_key.push_back(column_spec.name);
    }
  }
  std::vector<schema::IndexColumn> primary_columns;
  for (const auto& name : primary_key) {
    const int offset = find_offset(table, name);
    if (offset < 0) {
      return context(
          Status::invalid_argument(fmt::format("primary key column `{}` does not exist", name)));
    }
    auto& column = table.columns[static_cast<size_t>(offset)];
    // A primary key column is NOT NULL, whatever the definition said.
    column.flag |= schema::kPriKeyFlag | schema::kNotNullFlag;
    primary_columns.push_back({column.name, offset, -1});
  }
  if (primary_columns.size() == 1 &&
      is_integer_type(table.columns[static_cast<size_t>(primary_columns[0].offset)].type) &&
      spec.primary_key_kind != PrimaryKeyKind::kNonclustered) {
    table.pk_is_handle = true;
  } else if (!primary_columns.empty()) {
    table.is_common_handle = spec.primary_key_kind == PrimaryKeyKind::kClustered;
    schema::IndexInfo index;
    index.id = ++state.max_index_id;
    index.name = "PRIMARY";
    index.columns = primary_columns;
    index.unique = true;
    index.primary = true;
    table.indices.push_back(std::move(index));
  }

  std::set<std::string> index_names = {"primary"};
  for (const auto& unique : spec.unique_keys) {
    if (unique.columns.empty()) {
      return context(Status::invalid_argument("a unique key needs columns"));
    }
    schema::IndexInfo index;
    index.id = ++state.max_index_id;
    index.unique = true;
    for (const auto& name : unique.columns) {
      const int offset = find_offset(table, name);
      if (offset < 0) {
        return context(
            Status::invalid_argument(fmt::format("unique key column `{}` does not exist", name)));
      }
      index.columns.push_back({table.columns[static_cast<size_t>(offset)].name, offset, -1});
    }
    // MySQL names an unnamed key after its first column, then adds _2, _3 on a clash.
    std::string name = unique.name.empty() ? index.columns.front().name : unique.name;
    if (!unique.name.empty() && index_names.count(lower(name)) != 0) {
      return context(Status::invalid_argument(fmt::format("duplicate key name `{}`", name)));
    }
    for (int suffix = 2; index_names.count(lower(name)) != 0; ++suffix) {
      name = fmt::format("{}_{}", index.columns.front().name, suffix);
    }
    index_names.insert(lower(name));
    index.name = name;
    // TiDB's flags: UNIQUE_KEY on the column of a one-column key, MULTIPLE_KEY on the first
    // column of a longer one.
    auto& first = table.columns[static_cast<size_t>(index.columns.front().offset)];
    first.flag |= index.columns.size() == 1 ? schema::kUniqueKeyFlag : schema::kMultipleKeyFlag;
    table.indices.push_back(std::move(index));
  }
  for (const auto& column : table.columns) {
    const Status status = check_default(column, column.default_value);
    if (!status.is_ok()) return context(status);
  }

  // Ids last, once nothing can fail: the table's, its partitions', then the job's.
  table.id = next_global_id();
  for (const auto& name : spec.partitions) {
    table.partitions.push_back({next_global_id(), name});
  }
  schema::DdlJob job =
      new_job(schema::action::kCreateTable, db->info, create_table_text(table, spec));
  job.table_id = table.id;
  job.table_name = table.name;
  job.table_info = table;
  state.info = std::make_shared<const schema::TableInfo>(std::move(table));
  db->tables[lower(spec.name)] = job.table_id;
  tables_[job.table_id] = std::move(state);
  return job;
}

Result<schema::DdlJob> Catalog::add_column(std::string_view db_name, std::string_view table_name,
                                           const ColumnSpec& spec,
                                           std::optional<std::string> default_value) {
  std::lock_guard lock(mutex_);
  SLUICE_ASSIGN_OR_RETURN(DatabaseState * db, database(db_name));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, table_id(*db, table_name));
  TableState& state = tables_.at(id);
  auto context = [&](const Status& status) {
    return status.with_context(
        fmt::format("add column to `{}`.`{}`", db->info.name, state.info->name));
  };
  if (spec.primary_key) {
    return context(Status::unsupported("adding a primary key column is not supported"));
  }
  if (state.info->find_column(spec.name) != nullptr) {
    return context(Status::already_exists(fmt::format("duplicate column `{}`", spec.name)));
  }
  auto column = build_column(spec);
  if (!column.is_ok()) return context(column.status());
  if (default_value) column->default_value = std::move(default_value);
  // Rows written before the column existed read its origin default: the default, or the type's
  // zero value for a NOT NULL column without one.
  column->origin_default_value = column->default_value;
  if (!column->origin_default_value && (column->flag & schema::kNotNullFlag) != 0) {
    column->origin_default_value = zero_value_text(*column);
  }
  SLUICE_RETURN_IF_ERROR(context(check_default(*column, column->default_value)));
  SLUICE_RETURN_IF_ERROR(context(check_default(*column, column->origin_default_value)));

  schema::TableInfo table = *state.info;
  column->id = ++state.max_column_id;
  column->offset = static_cast<int>(table.columns.size());
  const std::string query =
      fmt::format("ALTER TABLE {} ADD COLUMN {}", quote_identifier(table.name),
                  column_definition_text(*column));
  table.columns.push_back(std::move(column).value());
  schema::DdlJob job = new_job(schema::action::kAddColumn, db->info, query);
  job.table_id = table.id;
  job.table_name = table.name;
  job.table_info = table;
  state.info = std::make_shared<const schema::TableInfo>(std::move(table));
  return job;
}

Result<schema::DdlJob> Catalog::add_index(std::string_view db_name, std::string_view table_name,
                                          const IndexSpec& spec) {
  std::lock_guard lock(mutex_);
  SLUICE_ASSIGN_OR_RETURN(DatabaseState * db, database(db_name));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, table_id(*db, table_name));
  TableState& state = tables_.at(id);
  auto context = [&](const Status& status) {
    return status.with_context(
        fmt::format("add index to `{}`.`{}`", db->info.name, state.info->name));
  };
  if (spec.name.empty()) return context(Status::invalid_argument("an index needs a name"));
  if (spec.columns.empty()) {
    return context(Status::invalid_argument(fmt::format("index `{}` needs columns", spec.name)));
  }
  schema::TableInfo table = *state.info;
  // PRIMARY is reserved even when the primary key is the handle and has no index entry.
  if (lower(spec.name) == "primary") {
    return context(Status::invalid_argument(fmt::format("incorrect index name `{}`", spec.name)));
  }
  for (const auto& index : table.indices) {
    if (lower(index.name) == lower(spec.name)) {
      return context(Status::already_exists(fmt::format("duplicate key name `{}`", spec.name)));
    }
  }
  schema::IndexInfo index;
  index.name = spec.name;
  index.unique = spec.unique;
  std::set<std::string> seen;
  for (const auto& name : spec.columns) {
    const int offset = find_offset(table, name);
    if (offset < 0) {
      return context(Status::invalid_argument(fmt::format("key column `{}` doesn't exist", name)));
    }
    if (!seen.insert(lower(name)).second) {
      return context(Status::invalid_argument(fmt::format("duplicate column name `{}`", name)));
    }
    index.columns.push_back({table.columns[static_cast<size_t>(offset)].name, offset, -1});
  }
  // TiDB's flags, as for a unique key at create time; MULTIPLE_KEY for any non-unique index.
  auto& first = table.columns[static_cast<size_t>(index.columns.front().offset)];
  first.flag |=
      spec.unique && index.columns.size() == 1 ? schema::kUniqueKeyFlag : schema::kMultipleKeyFlag;
  index.id = ++state.max_index_id;
  std::string columns_text;
  for (const auto& column : index.columns) {
    if (!columns_text.empty()) columns_text += ", ";
    columns_text += quote_identifier(column.name);
  }
  const std::string query =
      fmt::format("ALTER TABLE {} ADD {}INDEX {} ({})", quote_identifier(table.name),
                  spec.unique ? "UNIQUE " : "", quote_identifier(index.name), columns_text);
  table.indices.push_back(std::move(index));
  schema::DdlJob job = new_job(schema::action::kAddIndex, db->info, query);
  job.table_id = table.id;
  job.table_name = table.name;
  job.table_info = table;
  state.info = std::make_shared<const schema::TableInfo>(std::move(table));
  return job;
}

Result<schema::DdlJob> Catalog::drop_table(std::string_view db_name, std::string_view table_name) {
  std::lock_guard lock(mutex_);
  SLUICE_ASSIGN_OR_RETURN(DatabaseState * db, database(db_name));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, table_id(*db, table_name));
  schema::TableInfo table = *tables_.at(id).info;
  table.state = schema::SchemaState::kNone;
  schema::DdlJob job =
      new_job(schema::action::kDropTable, db->info, "DROP TABLE " + quote_identifier(table.name));
  job.table_id = table.id;
  job.table_name = table.name;
  job.table_info = std::move(table);
  tables_.erase(id);
  db->tables.erase(lower(table_name));
  return job;
}

Result<schema::DdlJob> Catalog::truncate_table(std::string_view db_name,
                                               std::string_view table_name) {
  std::lock_guard lock(mutex_);
  SLUICE_ASSIGN_OR_RETURN(DatabaseState * db, database(db_name));
  SLUICE_ASSIGN_OR_RETURN(int64_t old_id, table_id(*db, table_name));
  TableState state = std::move(tables_.at(old_id));
  tables_.erase(old_id);
  schema::TableInfo table = *state.info;
  table.id = next_global_id();
  for (auto& partition : table.partitions)
    partition.id = next_global_id();
  schema::DdlJob job = new_job(schema::action::kTruncateTable, db->info,
                               "TRUNCATE TABLE " + quote_identifier(table.name));
  job.table_id = old_id;  // TiDB's job names the table it truncated; the binlog info the new one
  job.table_name = table.name;
  job.table_info = table;
  state.info = std::make_shared<const schema::TableInfo>(std::move(table));
  state.next_row_id = 1;
  state.row_ids.clear();
  db->tables[lower(table_name)] = state.info->id;
  tables_[state.info->id] = std::move(state);
  return job;
}

Result<TableRef> Catalog::find_table(std::string_view db_name, std::string_view table_name) const {
  std::lock_guard lock(mutex_);
  SLUICE_ASSIGN_OR_RETURN(const DatabaseState* db, database(db_name));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, table_id(*db, table_name));
  return TableRef{db->info.name, db->info.id, tables_.at(id).info};
}

std::optional<schema::DbInfo> Catalog::find_database(std::string_view db_name) const {
  std::lock_guard lock(mutex_);
  const auto it = databases_.find(lower(db_name));
  if (it == databases_.end()) return std::nullopt;
  return it->second.info;
}

int64_t Catalog::schema_version() const {
  std::lock_guard lock(mutex_);
  return schema_version_;
}

Result<int64_t> Catalog::allocate_row_id(int64_t table_id) {
  std::lock_guard lock(mutex_);
  const auto it = tables_.find(table_id);
  if (it == tables_.end()) {
    return Status::not_found(fmt::format("no table with id {}", table_id));
  }
  return it->second.next_row_id++;
}

void Catalog::remember_row_id(int64_t table_id, const std::string& key, int64_t row_id) {
  std::lock_guard lock(mutex_);
  const auto it = tables_.find(table_id);
  if (it != tables_.end()) it->second.row_ids[key] = row_id;
}

std::optional<int64_t> Catalog::find_row_id(int64_t table_id, const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto it = tables_.find(table_id);
  if (it == tables_.end()) return std::nullopt;
  const auto row = it->second.row_ids.find(key);
  if (row == it->second.row_ids.end()) return std::nullopt;
  return row->second;
}

void Catalog::forget_row_id(int64_t table_id, const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = tables_.find(table_id);
  if (it != tables_.end()) it->second.row_ids.erase(key);
}

}  // namespace sluice::producer
