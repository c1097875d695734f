#pragma once
// PumpConfig: the pump's settings, read from a pump.toml that uses the original's keys (facts §7)
// plus Sluice's additions for the embedded mode, then overridden by command-line flags. Every
// invalid value is refused naming the key; unknown keys are warned about. A value type.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/net/tls_config.h"

namespace sluice::pump {

struct PumpConfig {
  std::string addr = "127.0.0.1:8250";
  std::string advertise_addr;  // default: addr
  std::string socket;          // unix socket for gRPC, e.g. unix:///tmp/pump.sock
  std::string pd_urls;         // etcd/PD endpoints (cluster mode)
  // Cluster mode (docs/cluster.md): "embedded" | "etcd" (default: etcd when pd-urls is set),
  // "embedded" | "pd" | "sluice" (default: pd with an etcd registry), the Sluice TSO servers.
  std::string registry;
  std::string tso;
  std::string tso_urls;
  std::filesystem::path data_dir = "data.pump";
  std::chrono::seconds heartbeat_interval{2};   // the original's default
  std::chrono::hours gc{7 * 24};                // retention: days, or a duration like "8h"
  std::chrono::seconds gen_binlog_interval{3};  // fake binlog every 3 s when idle (original)
  std::string node_id;
  std::string log_file;
  std::string log_level = "info";
  net::TlsConfig security;  // [security]
  // [storage]
  bool sync_log = true;
  uint64_t stop_write_at_available_space = 10ull << 30;  // "10 gib", the original's default
  std::chrono::milliseconds slow_write_threshold{1000};
  // Memory bounds (Sluice): unmatched prewrite payloads held in memory (past it they are read
  // back from disk at commit), and bytes waiting for the disk before writes are refused.
  uint64_t max_pending_prewrite_memory = 256ull << 20;
  uint64_t max_queued_write_bytes = 512ull << 20;
  // The largest WriteBinlog request (the original's -max-message-size; see pump_server.h).
  uint64_t max_message_size = 128ull << 20;
  // Sluice additions.
  uint64_t cluster_id = 0;  // 0: PD's (GetMembers), else the one kept in the registry dir
  std::filesystem::path registry_dir = "/tmp/sluice/registry";  // embedded registry + TSO
  std::chrono::milliseconds idle_watermark_interval{200};       // watermark on an idle stream
  std::chrono::seconds max_txn_timeout{600};  // the original's maxTxnTimeoutSecond
  std::chrono::milliseconds gc_interval{std::chrono::hours(1)};  // the original's hourly GC
  // A drainer silent longer than this no longer holds GC back.
  std::chrono::milliseconds drainer_heartbeat_timeout{std::chrono::minutes(10)};
  std::string metrics_addr;  // pushgateway (accepted, unused)
  // HTTP endpoint (/status, /state, /metrics, /debug). Deviation: the original serves HTTP on
  // the gRPC port through cmux; Sluice uses a separate port. Empty: addr's host, addr's port + 1
  // (port 0 stays 0: any free port).
  std::string status_addr;

  const std::string& advertised() const { return advertise_addr.empty() ? addr : advertise_addr; }
  // status_addr, or its default derived from addr.
  std::string effective_status_addr() const;
};

// Reads `path` into a config with the defaults above; warns about unknown keys.
Result<PumpConfig> load_pump_config(const std::filesystem::path& path);
Result<PumpConfig> parse_pump_config(std::string_view text, const std::string& source_name);

// Checks relations between settings (advertise address not 0.0.0.0, TLS files together, ...).
Status validate(const PumpConfig& config);

// Parses `gc`: an integer number of days, or a duration string with hours at least ("8h").
Result<std::chrono::hours> parse_gc(const std::string& text);

}  // namespace sluice::pump
