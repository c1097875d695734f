#include "core/schema/table_info.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace sluice::schema {
namespace {

using nlohmann::json;

Status missing(std::string_view what, std::string_view field) {
  return Status::invalid_argument(
      fmt::format("{}: field '{}' is missing or has the wrong type", what, field));
}

// TiDB's CIStr: {"O": "Original", "L": "original"}; a plain string is accepted too.
Result<std::string> ci_str(const json& object, const char* field, std::string_view what) {
  const auto it = object.find(field);
  if (it == object.end()) return missing(what, field);
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("O") && (*it)["O"].is_string()) {
    return (*it)["O"].get<std::string>();
  }
  return missing(what, field);
}

template <typename T>
Result<T> required_number(const json& object, const char* field, std::string_view what) {
  const auto it = object.find(field);
  if (it == object.end() || !it->is_number_integer()) return missing(what, field);
  return it->get<T>();
}

template <typename T>
T optional_number(const json& object, const char* field, T fallback) {
  const auto it = object.find(field);
  return (it != object.end() && it->is_number()) ? it->get<T>() : fallback;
}

bool optional_bool(const json& object, const char* field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::string optional_string(const json& object, const char* field) {
  const auto it = object.find(field);
  return (it != object.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

std::optional<std::string> default_text(const json& object, const char* field) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

json ci_json(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return json{{"O", name}, {"L", lower}};
}

Result<ColumnInfo> parse_column(const json& object, std::string_view table) {
  const std::string what = fmt::format("table {} column", table);
  ColumnInfo column;
  SLUICE_ASSIGN_OR_RETURN(column.id, required_number<int64_t>(object, "id", what));
  SLUICE_ASSIGN_OR_RETURN(column.name, ci_str(object, "name", what));
  column.offset = optional_number<int>(object, "offset", 0);
  const auto type = object.find("type");
  if (type == object.end() || !type->is_object()) return missing(what + " " + column.name, "type");
  SLUICE_ASSIGN_OR_RETURN(int tp, required_number<int>(*type, "Tp", what + " " + column.name));
  column.type = static_cast<uint8_t>(tp);
  column.flag = optional_number<uint32_t>(*type, "Flag", 0);
  column.flen = optional_number<int>(*type, "Flen", -1);
  column.decimal = optional_number<int>(*type, "Decimal", -1);
  column.charset = optional_string(*type, "Charset");
  column.collate = optional_string(*type, "Collate");
  if (const auto elems = type->find("Elems"); elems != type->end() && elems->is_array()) {
    for (const auto& element : *elems) {
      if (element.is_string()) column.elems.push_back(element.get<std::string>());
    }
  }
  column.default_value = default_text(object, "default");
  column.origin_default_value = default_text(object, "origin_default");
  column.generated_expr = optional_string(object, "generated_expr_string");
  column.state = static_cast<SchemaState>(optional_number<int>(object, "state", 5));
  return column;
}

Result<IndexInfo> parse_index(const json& object, std::string_view table) {
  const std::string what = fmt::format("table {} index", table);
  IndexInfo index;
  SLUICE_ASSIGN_OR_RETURN(index.id, required_number<int64_t>(object, "id", what));
  SLUICE_ASSIGN_OR_RETURN(index.name, ci_str(object, "idx_name", what));
  const auto columns = object.find("idx_cols");
  if (columns == object.end() || !columns->is_array()) return missing(what, "idx_cols");
  for (const auto& entry : *columns) {
    IndexColumn column;
    SLUICE_ASSIGN_OR_RETURN(column.name, ci_str(entry, "name", what));
    column.offset = optional_number<int>(entry, "offset", 0);
    column.length = optional_number<int>(entry, "length", -1);
    index.columns.push_back(std::move(column));
  }
  index.unique = optional_bool(object, "is_unique");
  index.primary = optional_bool(object, "is_primary");
  index.state = static_cast<SchemaState>(optional_number<int>(object, "state", 5));
  return index;
}

}  // namespace

const ColumnInfo* TableInfo::find_column(int64_t column_id) const {
  for (const auto& column : columns) {
    if (column.id == column_id) return &column;
  }
  return nullptr;
}

const ColumnInfo* TableInfo::find_column(std::string_view column_name) const {
  for (const auto& column : columns) {
    if (equals_ignore_case(column.name, column_name)) return &column;
  }
  return nullptr;
}

const IndexInfo* TableInfo::primary_index() const {
  if (!is_common_handle) return nullptr;
  for (const auto& index : indices) {
    if (index.primary) return &index;
  }
  return nullptr;
}

const ColumnInfo* TableInfo::handle_column() const {
  if (!pk_is_handle) return nullptr;
  for (const auto& column : columns) {
    if (column.is_primary_key()) return &column;
  }
  return nullptr;
}

Result<TableInfo> parse_table_info(const json& object) {
  if (!object.is_object()) return Status::invalid_argument("table info is not a JSON object");
  TableInfo table;
  SLUICE_ASSIGN_OR_RETURN(table.id, required_number<int64_t>(object, "id", "table"));
  SLUICE_ASSIGN_OR_RETURN(table.name, ci_str(object, "name", "table"));
  table.charset = optional_string(object, "charset");
  table.collate = optional_string(object, "collate");
  const auto columns = object.find("cols");
  if (columns == object.end() || !columns->is_array())
    return missing("table " + table.name, "cols");
  for (const auto& entry : *columns) {
    SLUICE_ASSIGN_OR_RETURN(ColumnInfo column, parse_column(entry, table.name));
    table.columns.push_back(std::move(column));
  }
  if (const auto indices = object.find("index_info");
      indices != object.end() && indices->is_array()) {
    for (const auto& entry : *indices) {
      SLUICE_ASSIGN_OR_RETURN(IndexInfo index, parse_index(entry, table.name));
      table.indices.push_back(std::move(index));
    }
  }
  table.pk_is_handle = optional_bool(object, "pk_is_handle");
  table.is_common_handle = optional_bool(object, "is_common_handle");
  if (const auto partition = object.find("partition");
      partition != object.end() && partition->is_object()) {
    if (const auto definitions = partition->find("definitions");
        definitions != partition->end() && definitions->is_array()) {
      for (const auto& entry : *definitions) {
        PartitionDefinition definition;
        SLUICE_ASSIGN_OR_RETURN(
            definition.id,
            required_number<int64_t>(entry, "id", "table " + table.name + " partition"));
        auto name = ci_str(entry, "name", "partition");
        definition.name = name.is_ok() ? name.value() : "";
        table.partitions.push_back(std::move(definition));
      }
    }
  }
  table.state = static_cast<SchemaState>(optional_number<int>(object, "state", 5));
  table.is_view = object.contains("view") && !object["view"].is_null();
  table.is_sequence = object.contains("sequence") && !object["sequence"].is_null();
  return table;
}

Result<DbInfo> parse_db_info(const json& object) {
  if (!object.is_object()) return Status::invalid_argument("database info is not a JSON object");
  DbInfo db;
  SLUICE_ASSIGN_OR_RETURN(db.id, required_number<int64_t>(object, "id", "database"));
  SLUICE_ASSIGN_OR_RETURN(db.name, ci_str(object, "db_name", "database"));
  db.charset = optional_string(object, "charset");
  db.collate = optional_string(object, "collate");
  db.state = static_cast<SchemaState>(optional_number<int>(object, "state", 5));
  return db;
}

Result<DdlJob> parse_ddl_job(std::string_view json_text) {
  const json object = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return Status::invalid_argument("DDL job is not a JSON object");
  return parse_ddl_job_json(object);
}

Result<DdlJob> parse_ddl_job_json(const json& object) {
  if (!object.is_object()) return Status::invalid_argument("DDL job is not a JSON object");
  DdlJob job;
  SLUICE_ASSIGN_OR_RETURN(job.id, required_number<int64_t>(object, "id", "DDL job"));
  SLUICE_ASSIGN_OR_RETURN(job.type, required_number<int>(object, "type", "DDL job"));
  job.schema_id = optional_number<int64_t>(object, "schema_id", 0);
  job.table_id = optional_number<int64_t>(object, "table_id", 0);
  job.schema_name = optional_string(object, "schema_name");
  job.table_name = optional_string(object, "table_name");
  job.state = optional_number<int>(object, "state", 0);
  job.query = optional_string(object, "query");
  const auto binlog = object.find("binlog");
  if (binlog == object.end() || !binlog->is_object()) {
    return missing(fmt::format("DDL job {}", job.id), "binlog");
  }
  job.schema_version = optional_number<int64_t>(*binlog, "SchemaVersion", 0);
  job.finished_ts = optional_number<int64_t>(*binlog, "FinishedTS", 0);
  if (const auto db = binlog->find("DBInfo"); db != binlog->end() && db->is_object()) {
    SLUICE_ASSIGN_OR_RETURN(DbInfo info, parse_db_info(*db));
    job.db_info = std::move(info);
  }
  if (const auto table = binlog->find("TableInfo"); table != binlog->end() && table->is_object()) {
    SLUICE_ASSIGN_OR_RETURN(TableInfo info, parse_table_info(*table));
    job.table_info = std::move(info);
  }
  if (const auto tables = binlog->find("MultipleTableInfos");
      tables != binlog->end() && tables->is_array()) {
    for (const auto& entry : *tables) {
      SLUICE_ASSIGN_OR_RETURN(TableInfo info, parse_table_info(entry));
      job.multiple_table_infos.push_back(std::move(info));
    }
  }
  return job;
}

json to_json(const TableInfo& table) {
  json columns = json::array();
  for (const auto& column : table.columns) {
    json type = {{"Tp", column.type},
                 {"Flag", column.flag},
                 {"Flen", column.flen},
                 {"Decimal", column.decimal},
                 {"Charset", column.charset},
                 {"Collate", column.collate},
                 {"Elems", column.elems.empty() ? json(nullptr) : json(column.elems)}};
    columns.push_back(
        {{"id", column.id},
         {"name", ci_json(column.name)},
         {"offset", column.offset},
         {"origin_default",
          column.origin_default_value ? json(*column.origin_default_value) : json(nullptr)},
         {"default", column.default_value ? json(*column.default_value) : json(nullptr)},
         {"generated_expr_string", column.generated_expr},
         {"type", type},
         {"state", static_cast<int>(column.state)}});
  }
  json indices = json::array();
  for (const auto& index : table.indices) {
    json index_columns = json::array();
    for (const auto& column : index.columns) {
      index_columns.push_back(
          {{"name", ci_json(column.name)}, {"offset", column.offset}, {"length", column.length}});
    }
    indices.push_back({{"id", index.id},
                       {"idx_name", ci_json(index.name)},
                       {"tbl_name", ci_json(table.name)},
                       {"idx_cols", index_columns},
                       {"is_unique", index.unique},
                       {"is_primary", index.primary},
                       {"state", static_cast<int>(index.state)}});
  }
  json partition = nullptr;
  if (!table.partitions.empty()) {
    json definitions = json::array();
    for (const auto& definition : table.partitions) {
      definitions.push_back({{"id", definition.id}, {"name", ci_json(definition.name)}});
    }
    partition = {{"enable", true}, {"definitions", definitions}};
  }
  return json{{"id", table.id},
              {"name", ci_json(table.name)},
              {"charset", table.charset},
              {"collate", table.collate},
              {"cols", columns},
              {"index_info", indices},
              {"pk_is_handle", table.pk_is_handle},
              {"is_common_handle", table.is_common_handle},
              {"partition", partition},
              {"state", static_cast<int>(table.state)},
              {"view", table.is_view ? json::object() : json(nullptr)},
              {"sequence", table.is_sequence ? json::object() : json(nullptr)}};
}

json to_json(const DbInfo& db) {
  return json{{"id", db.id},
              {"db_name", ci_json(db.name)},
              {"charset", db.charset},
              {"collate", db.collate},
              {"state", static_cast<int>(db.state)}};
}

json to_json(const DdlJob& job) {
  json binlog = {{"SchemaVersion", job.schema_version},
                 {"DBInfo", job.db_info ? to_json(*job.db_info) : json(nullptr)},
                 {"TableInfo", job.table_info ? to_json(*job.table_info) : json(nullptr)},
                 {"FinishedTS", job.finished_ts}};
  if (!job.multiple_table_infos.empty()) {
    json tables = json::array();
    for (const auto& table : job.multiple_table_infos)
      tables.push_back(to_json(table));
    binlog["MultipleTableInfos"] = tables;
  }
  return json{{"id", job.id},
              {"type", job.type},
              {"schema_id", job.schema_id},
              {"table_id", job.table_id},
              {"schema_name", job.schema_name},
              {"table_name", job.table_name},
              {"state", job.state},
              {"query", job.query},
              {"binlog", binlog}};
}

}  // namespace sluice::schema
