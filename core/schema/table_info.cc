#include "core/schema/table_info.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "core/common/json_reader.h"

namespace sluice::schema {
namespace {

using nlohmann::json;
namespace jr = json_reader;

// TiDB's CIStr: {"O": "Original", "L": "original"}; a plain string is accepted too.
Result<std::string> ci_str_field(const json& field, std::string_view what) {
  if (field.is_string()) return field.get<std::string>();
  if (!field.is_object()) return jr::wrong_type(what, field, "a string or a CIStr object");
  return jr::read_string(field, "O", what);
}

Result<std::string> ci_str(const json& object, std::string_view key, std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const json* field, jr::require_field(object, key, where));
  return ci_str_field(*field, jr::field_name(where, key));
}

// Absent or null: no default; a string as it is; anything else as its JSON text.
Result<std::optional<std::string>> default_text(const json& object, std::string_view key,
                                                std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const json* field, jr::find_non_null(object, key, where));
  if (field == nullptr) return std::optional<std::string>();
  if (field->is_string()) return std::optional<std::string>(field->get<std::string>());
  // Nesting is bounded by every parse that fed this value, so dump() cannot recurse too deep.
  return std::optional<std::string>(field->dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<SchemaState> state_or_public(const json& object, std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(int state, jr::read_integer_or<int>(object, "state", where, 5));
  return static_cast<SchemaState>(state);
}

// The reader's errors are Corruption; this file's contract (table_info.h) is InvalidArgument.
Status as_invalid_argument(const Status& status) {
  return status.is_ok() ? status : Status::invalid_argument(status.message());
}

template <typename T>
Result<T> as_invalid_argument(Result<T> result) {
  if (result.is_ok()) return result;
  return as_invalid_argument(result.status());
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
  std::string where = fmt::format("table {} column", table);
  ColumnInfo column;
  SLUICE_ASSIGN_OR_RETURN(column.id, jr::read_int64(object, "id", where));
  SLUICE_ASSIGN_OR_RETURN(column.name, ci_str(object, "name", where));
  where = fmt::format("table {} column {}", table, column.name);
  SLUICE_ASSIGN_OR_RETURN(column.offset, jr::read_integer_or<int>(object, "offset", where, 0));
  SLUICE_ASSIGN_OR_RETURN(const json* type, jr::read_object(object, "type", where));
  SLUICE_ASSIGN_OR_RETURN(column.type, jr::read_integer<uint8_t>(*type, "Tp", where));
  SLUICE_ASSIGN_OR_RETURN(column.flag, jr::read_integer_or<uint32_t>(*type, "Flag", where, 0));
  SLUICE_ASSIGN_OR_RETURN(column.flen, jr::read_integer_or<int>(*type, "Flen", where, -1));
  SLUICE_ASSIGN_OR_RETURN(column.decimal, jr::read_integer_or<int>(*type, "Decimal", where, -1));
  SLUICE_ASSIGN_OR_RETURN(column.charset, jr::read_string_or(*type, "Charset", where, ""));
  SLUICE_ASSIGN_OR_RETURN(column.collate, jr::read_string_or(*type, "Collate", where, ""));
  SLUICE_ASSIGN_OR_RETURN(const json* elems, jr::read_array_or_null(*type, "Elems", where));
  if (elems != nullptr) {
    for (size_t i = 0; i < elems->size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(
          std::string element,
          jr::as_string((*elems)[i], fmt::format("{}[{}]", jr::field_name(where, "Elems"), i)));
      column.elems.push_back(std::move(element));
    }
  }
  SLUICE_ASSIGN_OR_RETURN(column.default_value, default_text(object, "default", where));
  SLUICE_ASSIGN_OR_RETURN(column.origin_default_value,
                          default_text(object, "origin_default", where));
  SLUICE_ASSIGN_OR_RETURN(column.generated_expr,
                          jr::read_string_or(object, "generated_expr_string", where, ""));
  SLUICE_ASSIGN_OR_RETURN(column.state, state_or_public(object, where));
  return column;
}

Result<IndexInfo> parse_index(const json& object, std::string_view table) {
  std::string where = fmt::format("table {} index", table);
  IndexInfo index;
  SLUICE_ASSIGN_OR_RETURN(index.id, jr::read_int64(object, "id", where));
  SLUICE_ASSIGN_OR_RETURN(index.name, ci_str(object, "idx_name", where));
  where = fmt::format("table {} index {}", table, index.name);
  SLUICE_ASSIGN_OR_RETURN(const json* columns, jr::read_array(object, "idx_cols", where));
  for (size_t i = 0; i < columns->size(); ++i) {
    const json& entry = (*columns)[i];
    const std::string column_where = fmt::format("{} idx_cols[{}]", where, i);
    IndexColumn column;
    SLUICE_ASSIGN_OR_RETURN(column.name, ci_str(entry, "name", column_where));
    SLUICE_ASSIGN_OR_RETURN(column.offset,
                            jr::read_integer_or<int>(entry, "offset", column_where, 0));
    SLUICE_ASSIGN_OR_RETURN(column.length,
                            jr::read_integer_or<int>(entry, "length", column_where, -1));
    index.columns.push_back(std::move(column));
  }
  SLUICE_ASSIGN_OR_RETURN(index.unique, jr::read_bool_or(object, "is_unique", where, false));
  SLUICE_ASSIGN_OR_RETURN(index.primary, jr::read_bool_or(object, "is_primary", where, false));
  SLUICE_ASSIGN_OR_RETURN(index.state, state_or_public(object, where));
  return index;
}

Result<TableInfo> read_table_info(const json& object) {
  SLUICE_RETURN_IF_ERROR(jr::expect_object(object, "table info"));
  TableInfo table;
  SLUICE_ASSIGN_OR_RETURN(table.id, jr::read_int64(object, "id", "table"));
  SLUICE_ASSIGN_OR_RETURN(table.name, ci_str(object, "name", "table"));
  const std::string where = "table " + table.name;
  SLUICE_ASSIGN_OR_RETURN(table.charset, jr::read_string_or(object, "charset", where, ""));
  SLUICE_ASSIGN_OR_RETURN(table.collate, jr::read_string_or(object, "collate", where, ""));
  SLUICE_ASSIGN_OR_RETURN(const json* columns, jr::read_array(object, "cols", where));
  for (size_t i = 0; i < columns->size(); ++i) {
    const json& entry = (*columns)[i];
    SLUICE_RETURN_IF_ERROR(jr::expect_object(entry, fmt::format("{} cols[{}]", where, i)));
    SLUICE_ASSIGN_OR_RETURN(ColumnInfo column, parse_column(entry, table.name));
    table.columns.push_back(std::move(column));
  }
  SLUICE_ASSIGN_OR_RETURN(const json* indices, jr::read_array_or_null(object, "index_info", where));
  if (indices != nullptr) {
    for (size_t i = 0; i < indices->size(); ++i) {
      const json& entry = (*indices)[i];
      SLUICE_RETURN_IF_ERROR(jr::expect_object(entry, fmt::format("{} index_info[{}]", where, i)));
      SLUICE_ASSIGN_OR_RETURN(IndexInfo index, parse_index(entry, table.name));
      table.indices.push_back(std::move(index));
    }
  }
  SLUICE_ASSIGN_OR_RETURN(table.pk_is_handle,
                          jr::read_bool_or(object, "pk_is_handle", where, false));
  SLUICE_ASSIGN_OR_RETURN(table.is_common_handle,
                          jr::read_bool_or(object, "is_common_handle", where, false));
  SLUICE_ASSIGN_OR_RETURN(const json* partition,
                          jr::read_object_or_null(object, "partition", where));
  if (partition != nullptr) {
    const std::string partition_where = where + " partition";
    SLUICE_ASSIGN_OR_RETURN(const json* definitions,
                            jr::read_array_or_null(*partition, "definitions", partition_where));
    if (definitions != nullptr) {
      for (size_t i = 0; i < definitions->size(); ++i) {
        const json& entry = (*definitions)[i];
        const std::string definition_where = fmt::format("{} definitions[{}]", partition_where, i);
        PartitionDefinition definition;
        SLUICE_ASSIGN_OR_RETURN(definition.id, jr::read_int64(entry, "id", definition_where));
        SLUICE_ASSIGN_OR_RETURN(const json* name,
                                jr::find_non_null(entry, "name", definition_where));
        if (name != nullptr) {
          SLUICE_ASSIGN_OR_RETURN(definition.name,
                                  ci_str_field(*name, jr::field_name(definition_where, "name")));
        }
        table.partitions.push_back(std::move(definition));
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(table.state, state_or_public(object, where));
  SLUICE_ASSIGN_OR_RETURN(const json* view, jr::find_non_null(object, "view", where));
  SLUICE_ASSIGN_OR_RETURN(const json* sequence, jr::find_non_null(object, "sequence", where));
  table.is_view = view != nullptr;
  table.is_sequence = sequence != nullptr;
  return table;
}

Result<DbInfo> read_db_info(const json& object) {
  SLUICE_RETURN_IF_ERROR(jr::expect_object(object, "database info"));
  DbInfo db;
  SLUICE_ASSIGN_OR_RETURN(db.id, jr::read_int64(object, "id", "database"));
  SLUICE_ASSIGN_OR_RETURN(db.name, ci_str(object, "db_name", "database"));
  const std::string where = "database " + db.name;
  SLUICE_ASSIGN_OR_RETURN(db.charset, jr::read_string_or(object, "charset", where, ""));
  SLUICE_ASSIGN_OR_RETURN(db.collate, jr::read_string_or(object, "collate", where, ""));
  SLUICE_ASSIGN_OR_RETURN(db.state, state_or_public(object, where));
  return db;
}

Result<DdlJob> read_ddl_job(const json& object) {
  SLUICE_RETURN_IF_ERROR(jr::expect_object(object, "DDL job"));
  DdlJob job;
  SLUICE_ASSIGN_OR_RETURN(job.id, jr::read_int64(object, "id", "DDL job"));
  const std::string where = fmt::format("DDL job {}", job.id);
  SLUICE_ASSIGN_OR_RETURN(job.type, jr::read_integer<int>(object, "type", where));
  SLUICE_ASSIGN_OR_RETURN(job.schema_id, jr::read_int64_or(object, "schema_id", where, 0));
  SLUICE_ASSIGN_OR_RETURN(job.table_id, jr::read_int64_or(object, "table_id", where, 0));
  SLUICE_ASSIGN_OR_RETURN(job.schema_name, jr::read_string_or(object, "schema_name", where, ""));
  SLUICE_ASSIGN_OR_RETURN(job.table_name, jr::read_string_or(object, "table_name", where, ""));
  SLUICE_ASSIGN_OR_RETURN(job.state, jr::read_integer_or<int>(object, "state", where, 0));
  SLUICE_ASSIGN_OR_RETURN(job.query, jr::read_string_or(object, "query", where, ""));
  SLUICE_ASSIGN_OR_RETURN(const json* binlog, jr::read_object(object, "binlog", where));
  const std::string binlog_where = where + " binlog";
  SLUICE_ASSIGN_OR_RETURN(job.schema_version,
                          jr::read_int64_or(*binlog, "SchemaVersion", binlog_where, 0));
  SLUICE_ASSIGN_OR_RETURN(job.finished_ts,
                          jr::read_int64_or(*binlog, "FinishedTS", binlog_where, 0));
  SLUICE_ASSIGN_OR_RETURN(const json* db, jr::read_object_or_null(*binlog, "DBInfo", binlog_where));
  if (db != nullptr) {
    auto info = read_db_info(*db);
    if (!info.is_ok()) return info.status().with_context(jr::field_name(binlog_where, "DBInfo"));
    job.db_info = std::move(info).value();
  }
  SLUICE_ASSIGN_OR_RETURN(const json* table,
                          jr::read_object_or_null(*binlog, "TableInfo", binlog_where));
  if (table != nullptr) {
    auto info = read_table_info(*table);
    if (!info.is_ok()) return info.status().with_context(jr::field_name(binlog_where, "TableInfo"));
    job.table_info = std::move(info).value();
  }
  SLUICE_ASSIGN_OR_RETURN(const json* tables,
                          jr::read_array_or_null(*binlog, "MultipleTableInfos", binlog_where));
  if (tables != nullptr) {
    for (size_t i = 0; i < tables->size(); ++i) {
      auto info = read_table_info((*tables)[i]);
      if (!info.is_ok()) {
        return info.status().with_context(
            fmt::format("{}[{}]", jr::field_name(binlog_where, "MultipleTableInfos"), i));
      }
      job.multiple_table_infos.push_back(std::move(info).value());
    }
  }
  return job;
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
  return as_invalid_argument(read_table_info(object));
}

Result<DbInfo> parse_db_info(const json& object) {
  return as_invalid_argument(read_db_info(object));
}

Result<DdlJob> parse_ddl_job(std::string_view json_text) {
  auto object = jr::parse(json_text, "DDL job");
  if (!object.is_ok()) return as_invalid_argument(object.status());
  return parse_ddl_job_json(*object);
}

Result<DdlJob> parse_ddl_job_json(const json& object) {
  return as_invalid_argument(read_ddl_job(object));
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
