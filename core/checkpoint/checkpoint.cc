#include "core/checkpoint/checkpoint.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/common/json_reader.h"
#include "core/config/config_document.h"

namespace sluice::checkpoint {

std::string to_table_json(const Checkpoint& checkpoint) {
  nlohmann::ordered_json json;
  json["consistent"] = checkpoint.consistent;
  json["commitTS"] = checkpoint.commit_ts;
  if (checkpoint.ts_map) {
    json["ts-map"] = {{"primary-ts", checkpoint.ts_map->primary_ts},
                      {"secondary-ts", checkpoint.ts_map->secondary_ts}};
  }
  json["schema-version"] = checkpoint.schema_version;
  return json.dump();
}

Result<Checkpoint> from_table_json(std::string_view json_text) {
  namespace jr = json_reader;
  constexpr std::string_view kWhere = "checkpoint JSON";
  SLUICE_ASSIGN_OR_RETURN(const jr::Json json, jr::parse_object(json_text, kWhere));
  Checkpoint checkpoint;
  SLUICE_ASSIGN_OR_RETURN(checkpoint.commit_ts, jr::read_int64(json, "commitTS", kWhere));
  SLUICE_ASSIGN_OR_RETURN(checkpoint.consistent,
                          jr::read_bool_or(json, "consistent", kWhere, false));
  SLUICE_ASSIGN_OR_RETURN(checkpoint.schema_version,
                          jr::read_int64_or(json, "schema-version", kWhere, 0));
  SLUICE_ASSIGN_OR_RETURN(const jr::Json* map, jr::read_object_or_null(json, "ts-map", kWhere));
  if (map != nullptr) {
    constexpr std::string_view kMapWhere = "checkpoint JSON ts-map";
    TsMap ts_map;
    SLUICE_ASSIGN_OR_RETURN(ts_map.primary_ts, jr::read_int64_or(*map, "primary-ts", kMapWhere, 0));
    SLUICE_ASSIGN_OR_RETURN(ts_map.secondary_ts,
                            jr::read_int64_or(*map, "secondary-ts", kMapWhere, 0));
    if (ts_map.primary_ts != 0 || ts_map.secondary_ts != 0) checkpoint.ts_map = ts_map;
  }
  return checkpoint;
}

std::string to_savepoint_toml(const Checkpoint& checkpoint) {
  return fmt::format("consistent = {}\ncommitTS = {}\nschema-version = {}\n",
                     checkpoint.consistent ? "true" : "false", checkpoint.commit_ts,
                     checkpoint.schema_version);
}

Result<Checkpoint> from_savepoint_toml(std::string_view text, const std::string& source_name) {
  SLUICE_ASSIGN_OR_RETURN(auto document, config::ConfigDocument::parse_string(text, source_name));
  auto root = document->root();
  Checkpoint checkpoint;
  if (!root.has("commitTS")) {
    return Status::corruption(fmt::format("savepoint {}: no commitTS", source_name));
  }
  SLUICE_RETURN_IF_ERROR(root.read("commitTS", checkpoint.commit_ts));
  SLUICE_RETURN_IF_ERROR(root.read("consistent", checkpoint.consistent));
  SLUICE_RETURN_IF_ERROR(root.read("schema-version", checkpoint.schema_version));
  // binlogctl generate_meta may add human-readable time lines; they are not ours to check.
  for (const auto& key : root.keys())
    root.mark_opaque(key);
  return checkpoint;
}

}  // namespace sluice::checkpoint
