#include "core/drainer/legacy_syncer_mapping.h"

#include <fmt/format.h>

namespace sluice::drainer {

namespace {

constexpr const char* kSqlLoaderKeys[] = {
    "txn-batch",      "worker-count", "enable-dispatch", "enable-detect",    "disable-dispatch",
    "disable-detect", "sql-mode",     "sync-ddl",        "loopback-control", "channel-id"};

constexpr const char* kFilterKeys[] = {"ignore-schemas",    "replicate-do-db", "replicate-do-table",
                                       "ignore-table",      "case-sensitive",  "binlog-filter-rule",
                                       "table-migrate-rule"};

}  // namespace

Result<std::string> sink_plugin_for_db_type(const std::string& db_type) {
  if (db_type == "mysql" || db_type == "tidb" || db_type == "kafka" || db_type == "file") {
    return db_type;
  }
  if (db_type == "pb") return std::string("file");
  if (db_type == "oracle") {
    return Status::invalid_argument(
        "db-type \"oracle\" is not supported by Sluice (no Oracle sink plugin ships); use mysql, "
        "tidb, kafka or file, or a third-party [[sink]] plugin");
  }
  if (db_type == "flash") {
    return Status::invalid_argument(
        "db-type \"flash\" was removed from the original drainer and is not supported");
  }
  return Status::invalid_argument(
      fmt::format("db-type \"{}\" is not one of mysql, tidb, kafka, file (or pb)", db_type));
}

Result<LegacyMapping> map_legacy_syncer(toml::value& root, const std::string& data_dir,
                                        const std::string& source_name) {
  LegacyMapping mapping;
  if (!root.is_table() || !root.contains("syncer")) return mapping;
  toml::value& syncer = root.at("syncer");
  if (!syncer.is_table()) {
    return Status::invalid_argument(
        fmt::format("config {}: 'syncer' must be a table ([syncer])", source_name));
  }
  const bool has_sinks = root.contains("sink");
  if (has_sinks) {
    if (syncer.contains("db-type") || syncer.contains("to")) {
      return Status::invalid_argument(fmt::format(
          "config {}: both [[sink]] entries and [syncer] db-type/[syncer.to] are set; use one: "
          "[[sink]] for Sluice's plugins, or the original's [syncer] db-type with [syncer.to]",
          source_name));
    }
    return mapping;
  }
  std::string db_type = "mysql";  // the original's default
  if (syncer.contains("db-type")) {
    const toml::value& value = syncer.at("db-type");
    if (!value.is_string()) {
      return Status::invalid_argument(
          fmt::format("config {}: syncer.db-type must be a string", source_name));
    }
    db_type = value.as_string().str;
  }
  auto plugin = sink_plugin_for_db_type(db_type);
  if (!plugin.is_ok()) {
    return Status::invalid_argument(
        fmt::format("config {}: syncer.db-type: {}", source_name, plugin.status().message()));
  }

  toml::value config(toml::table{});
  if (syncer.contains("to")) {
    const toml::value& to = syncer.at("to");
    if (!to.is_table()) {
      return Status::invalid_argument(
          fmt::format("config {}: syncer.to must be a table ([syncer.to])", source_name));
    }
    config = to;
  }
  if (*plugin == "mysql" || *plugin == "tidb") {
    for (const char* key : kSqlLoaderKeys) {
      if (syncer.contains(key) && !config.contains(key)) config.as_table()[key] = syncer.at(key);
    }
    // The original keeps the checkpoint in the downstream database: the connection of
    // [syncer.to], overridden by [syncer.to.checkpoint].
    if (!root.contains("checkpoint")) {
      toml::value checkpoint(toml::table{});
      checkpoint.as_table()["type"] = *plugin;
      for (const char* key : {"host", "port", "user", "password", "encrypted_password"}) {
        if (config.contains(key)) checkpoint.as_table()[key] = config.at(key);
      }
      if (config.contains("checkpoint") && config.at("checkpoint").is_table()) {
        for (const auto& [key, value] : config.at("checkpoint").as_table()) {
          checkpoint.as_table()[key] = value;
        }
      }
      root.as_table()["checkpoint"] = std::move(checkpoint);
    }
  }
  if (config.contains("checkpoint")) config.as_table().erase("checkpoint");
  if (*plugin == "file" && !config.contains("dir")) config.as_table()["dir"] = data_dir;

  toml::value sink(toml::table{});
  sink.as_table()["name"] = db_type;
  sink.as_table()["plugin"] = *plugin;
  sink.as_table()["config"] = std::move(config);
  root.as_table()["sink"] = toml::array{std::move(sink)};

  if (!root.contains("filter")) {
    toml::value filter_config(toml::table{});
    for (const char* key : kFilterKeys) {
      if (syncer.contains(key)) filter_config.as_table()[key] = syncer.at(key);
    }
    toml::value filter(toml::table{});
    filter.as_table()["name"] = "syncer-filter";
    filter.as_table()["plugin"] = "table-filter";
    filter.as_table()["config"] = std::move(filter_config);
    root.as_table()["filter"] = toml::array{std::move(filter)};
  }
  mapping.applied = true;
  mapping.db_type = db_type;
  mapping.sink_plugin = *plugin;
  return mapping;
}

}  // namespace sluice::drainer
