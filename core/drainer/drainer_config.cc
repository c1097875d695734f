#include "core/drainer/drainer_config.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/config/setting_readers.h"
#include "core/drainer/legacy_syncer_mapping.h"
#include "core/net/http_server.h"
#include "core/registry/node_backend.h"

namespace sluice::drainer {

namespace {

using config::ConfigSection;

Status read_count(ConfigSection& section, const char* key, size_t& out) {
  int64_t value = static_cast<int64_t>(out);
  SLUICE_RETURN_IF_ERROR(section.read(key, value));
  if (value <= 0) return section.error(key, fmt::format("must be positive, found {}", value));
  out = static_cast<size_t>(value);
  return Status::ok();
}

Status read_checkpoint_settings(ConfigSection& root, CheckpointSettings& out) {
  SLUICE_ASSIGN_OR_RETURN(ConfigSection section, root.section("checkpoint"));
  SLUICE_RETURN_IF_ERROR(section.read("type", out.type));
  if (out.type != "file" && out.type != "mysql" && out.type != "tidb") {
    return section.error("type", fmt::format("must be \"file\", \"mysql\" or \"tidb\", found "
                                             "\"{}\"",
                                             out.type));
  }
  SLUICE_RETURN_IF_ERROR(section.read("host", out.host));
  SLUICE_RETURN_IF_ERROR(section.read("port", out.port));
  if (out.port <= 0 || out.port > 65535) return section.error("port", "is not a TCP port");
  SLUICE_RETURN_IF_ERROR(section.read("user", out.user));
  SLUICE_RETURN_IF_ERROR(section.read("password", out.password));
  SLUICE_RETURN_IF_ERROR(section.read("encrypted_password", out.encrypted_password));
  SLUICE_RETURN_IF_ERROR(section.read("schema", out.schema));
  SLUICE_RETURN_IF_ERROR(section.read("table", out.table));
  return Status::ok();
}

Result<DrainerConfig> from_document(std::shared_ptr<config::ConfigDocument> document) {
  DrainerConfig config;
  ConfigSection root = document->root();
  SLUICE_RETURN_IF_ERROR(root.read("addr", config.addr));
  SLUICE_RETURN_IF_ERROR(root.read("advertise-addr", config.advertise_addr));
  SLUICE_RETURN_IF_ERROR(root.read("node-id", config.node_id));
  std::string data_dir = config.data_dir.string();
  SLUICE_RETURN_IF_ERROR(root.read("data-dir", data_dir));
  config.data_dir = data_dir;
  SLUICE_RETURN_IF_ERROR(config::read_duration(root, "detect-interval", config.detect_interval));
  SLUICE_RETURN_IF_ERROR(root.read("pd-urls", config.pd_urls));
  SLUICE_RETURN_IF_ERROR(root.read("registry", config.registry));
  SLUICE_RETURN_IF_ERROR(root.read("tso", config.tso));
  SLUICE_RETURN_IF_ERROR(root.read("tso-urls", config.tso_urls));
  SLUICE_RETURN_IF_ERROR(root.read("initial-commit-ts", config.initial_commit_ts));
  if (config.initial_commit_ts < -1) {
    return root.error("initial-commit-ts", "must be -1 (the current TSO) or a TSO");
  }
  SLUICE_RETURN_IF_ERROR(root.read("compressor", config.compressor));
  if (!config.compressor.empty() && config.compressor != "gzip") {
    return root.error("compressor",
                      fmt::format("must be \"\" or \"gzip\", found \"{}\"", config.compressor));
  }
  int64_t synced_minutes = config.synced_check_time.count();
  SLUICE_RETURN_IF_ERROR(root.read("synced-check-time", synced_minutes));
  if (synced_minutes <= 0) return root.error("synced-check-time", "must be positive (minutes)");
  config.synced_check_time = std::chrono::minutes(synced_minutes);
  SLUICE_RETURN_IF_ERROR(root.read("log-file", config.log_file));
  SLUICE_RETURN_IF_ERROR(root.read("log-level", config.log_level));

  SLUICE_RETURN_IF_ERROR(net::read_security_section(root, config.security));

  SLUICE_ASSIGN_OR_RETURN(ConfigSection syncer, root.section("syncer"));
  SLUICE_RETURN_IF_ERROR(syncer.read("db-type", config.db_type));
  SLUICE_RETURN_IF_ERROR(syncer.read("safe-mode", config.safe_mode));
  std::vector<int64_t> ignored;
  SLUICE_RETURN_IF_ERROR(syncer.read("ignore-txn-commit-ts", ignored));
  config.ignore_txn_commit_ts.insert(ignored.begin(), ignored.end());
  {
    SLUICE_ASSIGN_OR_RETURN(ConfigSection relay, syncer.section("relay"));
    std::string log_dir;
    SLUICE_RETURN_IF_ERROR(relay.read("log-dir", log_dir));
    config.relay_log_dir = log_dir;
    SLUICE_RETURN_IF_ERROR(relay.read("max-file-size", config.relay_max_file_size));
    if (config.relay_max_file_size < 4096) {
      return relay.error("max-file-size", "must be at least 4096 bytes");
    }
  }
  // Keys the mapping hands to the sink and filter plugins, which check them.
  for (const char* key :
       {"to", "txn-batch", "worker-count", "enable-dispatch", "enable-detect", "disable-dispatch",
        "disable-detect", "sql-mode", "sync-ddl", "loopback-control", "channel-id",
        "ignore-schemas", "replicate-do-db", "replicate-do-table", "ignore-table", "case-sensitive",
        "binlog-filter-rule", "table-migrate-rule"}) {
    syncer.mark_opaque(key);
  }

  SLUICE_RETURN_IF_ERROR(root.read("cluster-id", config.cluster_id));
  std::string registry_dir = config.registry_dir.string();
  SLUICE_RETURN_IF_ERROR(root.read("registry-dir", registry_dir));
  config.registry_dir = registry_dir;
  SLUICE_RETURN_IF_ERROR(root.read("status-addr", config.status_addr));
  SLUICE_RETURN_IF_ERROR(root.read("tidb-status-url", config.tidb_status_url));
  SLUICE_RETURN_IF_ERROR(
      config::read_positive_seconds(root, "heartbeat-interval", config.heartbeat_interval));
  SLUICE_RETURN_IF_ERROR(
      config::read_duration(root, "checkpoint-interval", config.checkpoint_interval));
  SLUICE_RETURN_IF_ERROR(
      config::read_duration(root, "progress-interval", config.progress_interval));
  SLUICE_RETURN_IF_ERROR(
      config::read_duration(root, "safe-mode-duration", config.safe_mode_duration));
  SLUICE_RETURN_IF_ERROR(read_count(root, "merge-queue", config.merge_queue));
  SLUICE_RETURN_IF_ERROR(read_count(root, "sink-queue", config.sink_queue));
  SLUICE_RETURN_IF_ERROR(
      config::read_byte_size(root, "merge-queue-bytes", config.merge_queue_bytes));
  SLUICE_RETURN_IF_ERROR(config::read_byte_size(root, "sink-queue-bytes", config.sink_queue_bytes));
  SLUICE_RETURN_IF_ERROR(config::read_byte_size(root, "max-message-size", config.max_message_size));
  if (config.max_message_size == 0 || config.max_message_size > 0x7fffffffull) {
    return root.error("max-message-size", "must be between 1 byte and 2 GiB");
  }
  SLUICE_RETURN_IF_ERROR(read_count(root, "batch-transactions", config.batch_transactions));
  SLUICE_RETURN_IF_ERROR(
      config::read_duration(root, "sink-flush-interval", config.sink_flush_interval));
  SLUICE_RETURN_IF_ERROR(root.read("skip-rejected", config.skip_rejected));
  SLUICE_RETURN_IF_ERROR(config::read_duration(root, "stop-timeout", config.stop_timeout));
  if (config.stop_timeout.count() <= 0) return root.error("stop-timeout", "must be above zero");
  SLUICE_RETURN_IF_ERROR(read_checkpoint_settings(root, config.checkpoint));
  // The original's flag-only settings, accepted in the file.
  int64_t cache_binlog_count = 8;
  SLUICE_RETURN_IF_ERROR(root.read("cache-binlog-count", cache_binlog_count));
  std::string metrics_addr;
  SLUICE_RETURN_IF_ERROR(root.read("metrics-addr", metrics_addr));
  int64_t metrics_interval = 15;
  SLUICE_RETURN_IF_ERROR(root.read("metrics-interval", metrics_interval));

  config.document = std::move(document);
  SLUICE_RETURN_IF_ERROR(validate(config));
  return config;
}

}  // namespace

std::string DrainerConfig::effective_status_addr() const {
  return status_addr.empty() ? net::status_address_beside(addr) : status_addr;
}

Status validate(const DrainerConfig& config) {
  SLUICE_RETURN_IF_ERROR(
      net::validate_node_addresses(config.addr, config.advertised(), config.status_addr));
  SLUICE_RETURN_IF_ERROR(net::check_tls_settings(config.security));
  if (config.data_dir.empty()) return Status::invalid_argument("data-dir must not be empty");
  return registry::resolve_cluster_mode(
             {config.registry, config.tso, config.pd_urls, config.tso_urls})
      .status();
}

Status apply_legacy_mapping(DrainerConfig& config) {
  auto mapping = map_legacy_syncer(config.document->mutable_root(), config.data_dir.string(),
                                   config.document->source_name());
  if (!mapping.is_ok()) return mapping.status();
  if (mapping->applied) {
    config.db_type = mapping->db_type;
    spdlog::info("config {}: [syncer] db-type = \"{}\" runs as the '{}' sink plugin",
                 config.document->source_name(), mapping->db_type, mapping->sink_plugin);
    // The mapping may have placed the checkpoint in the downstream database.
    config::ConfigSection root = config.document->root();
    SLUICE_RETURN_IF_ERROR(read_checkpoint_settings(root, config.checkpoint));
  }
  return Status::ok();
}

Result<DrainerConfig> load_drainer_config(const std::filesystem::path& path) {
  SLUICE_ASSIGN_OR_RETURN(auto document, config::ConfigDocument::load_file(path));
  return from_document(std::move(document));
}

Result<DrainerConfig> parse_drainer_config(std::string_view text, const std::string& source_name) {
  SLUICE_ASSIGN_OR_RETURN(auto document, config::ConfigDocument::parse_string(text, source_name));
  return from_document(std::move(document));
}

}  // namespace sluice::drainer
