#include "plugins/mysql/checkpoint_table.h"

#include <nlohmann/json.hpp>

#include "plugins/mysql/sql_render.h"

namespace sluice::mysql {

namespace {

std::string table_name(const CheckpointLocation& location) {
  return quote_identifier(location.schema) + "." + quote_identifier(location.table);
}

}  // namespace

std::string checkpoint_to_json(const CheckpointRecord& record) {
  nlohmann::ordered_json json;
  json["consistent"] = record.consistent;
  json["commitTS"] = record.commit_ts;
  if (record.ts_map) {
    json["ts-map"] = {{"primary-ts", record.ts_map->primary_ts},
                      {"secondary-ts", record.ts_map->secondary_ts}};
  }
  json["schema-version"] = record.schema_version;
  return json.dump();
}

std::optional<CheckpointRecord> checkpoint_from_json(const std::string& text) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  CheckpointRecord record;
  try {
    record.consistent = json.value("consistent", false);
    record.commit_ts = json.value("commitTS", int64_t{0});
    record.schema_version = json.value("schema-version", int64_t{0});
    if (auto found = json.find("ts-map"); found != json.end() && found->is_object()) {
      TsMap map;
      map.primary_ts = found->value("primary-ts", int64_t{0});
      map.secondary_ts = found->value("secondary-ts", int64_t{0});
      record.ts_map = map;
    }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a field of the wrong type
  }
  return record;
}

sdk::Status create_checkpoint_table(MysqlConnection& connection,
                                    const CheckpointLocation& location) {
  const std::string schema = "create schema if not exists " + quote_identifier(location.schema);
  if (auto error = connection.execute(schema)) return status_of(*error, "checkpoint schema");
  const std::string table = "create table if not exists " + table_name(location) +
                            "(clusterID bigint unsigned primary key, checkPoint MEDIUMTEXT)";
  if (auto error = connection.execute(table)) return status_of(*error, "checkpoint table");
  return sdk::Status::ok();
}

sdk::Status write_checkpoint(MysqlConnection& connection, const CheckpointLocation& location,
                             uint64_t cluster_id, const CheckpointRecord& record) {
  const RenderOptions render{connection.backslash_escapes()};
  const std::string sql = "replace into " + table_name(location) + " values(" +
                          std::to_string(cluster_id) + ", " +
                          quote_string(checkpoint_to_json(record), render) + ")";
  if (auto error = connection.execute(sql)) return status_of(*error, "checkpoint save");
  return sdk::Status::ok();
}

sdk::Status read_checkpoint(MysqlConnection& connection, const CheckpointLocation& location,
                            std::optional<uint64_t> cluster_id, CheckpointRecord& record,
                            bool& found) {
  found = false;
  std::string sql = "select checkPoint from " + table_name(location);
  if (cluster_id) sql += " where clusterID = " + std::to_string(*cluster_id);
  std::vector<SqlRow> rows;
  if (auto error = connection.query(sql, rows)) return status_of(*error, "checkpoint load");
  if (rows.empty()) return sdk::Status::ok();
  if (rows.size() > 1) {
    return sdk::Status::fatal("checkpoint table " + location.schema + "." + location.table +
                              " holds " + std::to_string(rows.size()) +
                              " rows; give the cluster ID to choose one");
  }
  const auto& text = rows.front().front();
  auto parsed = text ? checkpoint_from_json(*text) : std::nullopt;
  if (!parsed) {
    return sdk::Status::fatal("checkpoint table " + location.schema + "." + location.table +
                              ": the checkPoint value is not the expected JSON");
  }
  record = *parsed;
  found = true;
  return sdk::Status::ok();
}

}  // namespace sluice::mysql
