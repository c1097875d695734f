#include "core/checkpoint/checkpoint.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
  const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::corruption(
        fmt::format("checkpoint JSON is not an object: '{}'", json_text.substr(0, 80)));
  }
  Checkpoint checkpoint;
  const auto commit = json.find("commitTS");
  if (commit == json.end() || !commit->is_number_integer()) {
    return Status::corruption("checkpoint JSON has no integer commitTS");
  }
  checkpoint.commit_ts = commit->get<int64_t>();
  checkpoint.consistent = json.value("consistent", false);
  checkpoint.schema_version = json.value("schema-version", int64_t{0});
  if (const auto map = json.find("ts-map"); map != json.end() && map->is_object()) {
    TsMap ts_map{map->value("primary-ts", int64_t{0}), map->value("secondary-ts", int64_t{0})};
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
