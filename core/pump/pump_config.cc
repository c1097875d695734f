#include "core/pump/pump_config.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "core/config/config_document.h"
#include "core/config/setting_readers.h"
#include "core/config/units.h"
#include "core/net/http_server.h"
#include "core/registry/node_backend.h"

namespace sluice::pump {
namespace {

using config::ConfigSection;

Result<PumpConfig> from_document(config::ConfigDocument& document) {
  PumpConfig config;
  ConfigSection root = document.root();
  SLUICE_RETURN_IF_ERROR(root.read("addr", config.addr));
  SLUICE_RETURN_IF_ERROR(root.read("advertise-addr", config.advertise_addr));
  SLUICE_RETURN_IF_ERROR(root.read("socket", config.socket));
  SLUICE_RETURN_IF_ERROR(root.read("pd-urls", config.pd_urls));
  SLUICE_RETURN_IF_ERROR(root.read("registry", config.registry));
  SLUICE_RETURN_IF_ERROR(root.read("tso", config.tso));
  SLUICE_RETURN_IF_ERROR(root.read("tso-urls", config.tso_urls));
  std::string data_dir = config.data_dir.string();
  SLUICE_RETURN_IF_ERROR(root.read("data-dir", data_dir));
  config.data_dir = data_dir;
  SLUICE_RETURN_IF_ERROR(
      config::read_positive_seconds(root, "heartbeat-interval", config.heartbeat_interval));
  SLUICE_RETURN_IF_ERROR(
      config::read_positive_seconds(root, "gen-binlog-interval", config.gen_binlog_interval));
  if (root.has("gc")) {
    std::string gc_text;
    if (auto days = root.get<int64_t>("gc"); days.is_ok() && days->has_value()) {
      gc_text = std::to_string(**days);
    } else {
      SLUICE_RETURN_IF_ERROR(root.read("gc", gc_text));
    }
    auto gc = parse_gc(gc_text);
    if (!gc.is_ok()) return root.error("gc", gc.status().message());
    config.gc = *gc;
  }
  SLUICE_RETURN_IF_ERROR(root.read("node-id", config.node_id));
  SLUICE_RETURN_IF_ERROR(root.read("log-file", config.log_file));
  SLUICE_RETURN_IF_ERROR(root.read("log-level", config.log_level));
  SLUICE_RETURN_IF_ERROR(root.read("cluster-id", config.cluster_id));
  std::string registry_dir = config.registry_dir.string();
  SLUICE_RETURN_IF_ERROR(root.read("registry-dir", registry_dir));
  config.registry_dir = registry_dir;
  SLUICE_RETURN_IF_ERROR(
      config::read_duration(root, "idle-watermark-interval", config.idle_watermark_interval));
  SLUICE_RETURN_IF_ERROR(
      config::read_positive_seconds(root, "max-txn-timeout", config.max_txn_timeout));
  SLUICE_RETURN_IF_ERROR(config::read_duration(root, "gc-interval", config.gc_interval));
  SLUICE_RETURN_IF_ERROR(
      config::read_duration(root, "drainer-heartbeat-timeout", config.drainer_heartbeat_timeout));
  SLUICE_RETURN_IF_ERROR(root.read("metrics-addr", config.metrics_addr));
  SLUICE_RETURN_IF_ERROR(root.read("status-addr", config.status_addr));
  SLUICE_RETURN_IF_ERROR(config::read_byte_size(root, "max-message-size", config.max_message_size));
  if (config.max_message_size == 0 || config.max_message_size > 0x7fffffffull) {
    return root.error("max-message-size", "must be between 1 byte and 2 GiB");
  }
  int64_t metrics_interval = 15;
  SLUICE_RETURN_IF_ERROR(root.read("metrics-interval", metrics_interval));

  SLUICE_RETURN_IF_ERROR(net::read_security_section(root, config.security));

  SLUICE_ASSIGN_OR_RETURN(ConfigSection storage, root.section("storage"));
  SLUICE_RETURN_IF_ERROR(storage.read("sync-log", config.sync_log));
  SLUICE_RETURN_IF_ERROR(config::read_byte_size(storage, "stop-write-at-available-space",
                                                config.stop_write_at_available_space));
  SLUICE_RETURN_IF_ERROR(
      config::read_duration(storage, "slow_write_threshold", config.slow_write_threshold));
  SLUICE_RETURN_IF_ERROR(config::read_byte_size(storage, "max-pending-prewrite-memory",
                                                config.max_pending_prewrite_memory));
  SLUICE_RETURN_IF_ERROR(
      config::read_byte_size(storage, "max-queued-write-bytes", config.max_queued_write_bytes));
  // The original's goleveldb and channel tuning: accepted so old files load, not used.
  int64_t ignored = 0;
  SLUICE_RETURN_IF_ERROR(storage.read("kv_chan_cap", ignored));
  storage.mark_opaque("kv");
  // Deprecated flags of the original that may sit in old files.
  for (const char* key :
       {"binlog-file-size", "enable-binlog-slice", "binlog-slice-size", "log-rotate"}) {
    if (root.has(key)) {
      root.mark_opaque(key);
      spdlog::warn("config {}: '{}' was deprecated by the original pump and is ignored",
                   document.source_name(), key);
    }
  }
  document.warn_unknown_keys();
  SLUICE_RETURN_IF_ERROR(validate(config));
  return config;
}

}  // namespace

Result<std::chrono::hours> parse_gc(const std::string& text) {
  int64_t days = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), days);
  if (error == std::errc() && end == text.data() + text.size()) {
    if (days <= 0)
      return Status::invalid_argument(fmt::format("gc must be positive, found {}", days));
    return std::chrono::hours(days * 24);
  }
  auto duration = config::parse_duration(text);
  if (!duration.is_ok()) return duration.status();
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(*duration);
  if (hours.count() <= 0) {
    return Status::invalid_argument(
        fmt::format("gc '{}' is shorter than an hour, the smallest retention", text));
  }
  return hours;
}

std::string PumpConfig::effective_status_addr() const {
  return status_addr.empty() ? net::status_address_beside(addr) : status_addr;
}

Status validate(const PumpConfig& config) {
  SLUICE_RETURN_IF_ERROR(
      net::validate_node_addresses(config.addr, config.advertised(), config.status_addr));
  SLUICE_RETURN_IF_ERROR(net::check_tls_settings(config.security));
  if (config.data_dir.empty()) return Status::invalid_argument("data-dir must not be empty");
  SLUICE_RETURN_IF_ERROR(
      registry::resolve_cluster_mode({config.registry, config.tso, config.pd_urls, config.tso_urls})
          .status());
  if (!config.socket.empty() && !config.socket.starts_with("unix:")) {
    return Status::invalid_argument(fmt::format(
        "socket '{}' must be a unix socket address such as unix:///tmp/pump.sock", config.socket));
  }
  return Status::ok();
}

Result<PumpConfig> load_pump_config(const std::filesystem::path& path) {
  SLUICE_ASSIGN_OR_RETURN(auto document, config::ConfigDocument::load_file(path));
  return from_document(*document);
}

Result<PumpConfig> parse_pump_config(std::string_view text, const std::string& source_name) {
  SLUICE_ASSIGN_OR_RETURN(auto document, config::ConfigDocument::parse_string(text, source_name));
  return from_document(*document);
}

}  // namespace sluice::pump
