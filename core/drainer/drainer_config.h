#pragma once
// DrainerConfig: the drainer's settings, from a drainer.toml with the original's keys (facts §7)
// plus Sluice's additions, then overridden by flags. The outputs are plugins: [[sink]], [[filter]]
// and [[translator]] entries, read by the PluginHost from `document`; an original file's
// [syncer] db-type / [syncer.to] is mapped onto them (legacy_syncer_mapping.h). Every invalid
// value is refused naming the key; unknown keys are warned about. A value type.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "core/common/result.h"
#include "core/config/config_document.h"
#include "core/net/tls_config.h"

namespace sluice::drainer {

// [checkpoint]: where the checkpoint is kept. "file": <data-dir>/savepoint (the default);
// "mysql"/"tidb": the original's tidb_binlog.checkpoint table in that server (an original file
// with db-type mysql/tidb gets this from [syncer.to] and [syncer.to.checkpoint]).
struct CheckpointSettings {
  std::string type = "file";
  std::string host = "localhost";
  int port = 3306;
  std::string user = "root";
  std::string password;            // "${NAME}" reads the environment variable NAME
  std::string encrypted_password;  // wins over password; decrypted with BINLOG_SECRET_KEY
  std::string schema = "tidb_binlog";
  std::string table = "checkpoint";
};

struct DrainerConfig {
  std::string addr = "127.0.0.1:8249";
  std::string advertise_addr;  // default: addr
  std::string node_id;
  std::filesystem::path data_dir = "data.drainer";
  std::chrono::milliseconds detect_interval{5000};  // the original's flag default, 5 s
  std::string pd_urls;                              // etcd/PD endpoints (cluster mode)
  // Cluster mode (docs/cluster.md): "embedded" | "etcd" (default: etcd when pd-urls is set),
  // "embedded" | "pd" | "sluice" (default: pd with an etcd registry), the Sluice TSO servers.
  std::string registry;
  std::string tso;
  std::string tso_urls;
  int64_t initial_commit_ts = -1;  // -1: the current TSO
  std::string compressor;          // accepted; binlogs travel uncompressed
  std::chrono::minutes synced_check_time{5};
  std::string log_file;
  std::string log_level = "info";
  net::TlsConfig security;
  // [syncer] keys the host itself applies.
  std::string db_type;  // as written in a legacy file; "" when [[sink]] entries are used
  bool safe_mode = false;
  std::set<int64_t> ignore_txn_commit_ts;
  // [syncer.relay]: the relay log; disabled while log_dir is empty (the original's default).
  std::filesystem::path relay_log_dir;
  uint64_t relay_max_file_size = uint64_t{10} << 20;  // the original's 10485760

  // Sluice additions.
  uint64_t cluster_id = 0;  // 0: PD's (GetMembers), else the one in the registry directory
  std::filesystem::path registry_dir = "/tmp/sluice/registry";
  std::string status_addr;      // HTTP; default addr's port + 1 (see docs/drainer.md)
  std::string tidb_status_url;  // schema source for binlogs from a real TiDB
  std::chrono::seconds heartbeat_interval{2};
  std::chrono::milliseconds checkpoint_interval{3000};
  std::chrono::milliseconds progress_interval{10000};
  std::chrono::milliseconds safe_mode_duration{std::chrono::minutes(5)};
  size_t merge_queue = 1024;                 // binlogs buffered per pump
  uint64_t merge_queue_bytes = 64ull << 20;  // and their bytes, at most (past the first)
  size_t sink_queue = 16;                    // batches buffered per sink
  uint64_t sink_queue_bytes = 64ull << 20;   // and their payload bytes, at most (past the first)
  // The largest binlog taken from a pump's pull stream (a pump takes P-binlogs up to its own
  // max-message-size, 128 MiB by default; the joined binlog is a little larger).
  uint64_t max_message_size = 256ull << 20;
  size_t batch_transactions = 512;  // transactions per batch, at most
  std::chrono::milliseconds sink_flush_interval{1000};
  bool skip_rejected = false;
  // How long a stop waits for the sinks to drain before it gives up on what is not durable
  // (docs/drainer.md "Stopping"); the daemon exits at the latest stop_timeout + kStopGrace later.
  std::chrono::milliseconds stop_timeout{std::chrono::seconds(30)};
  CheckpointSettings checkpoint;

  // The parsed file, for the PluginHost (after apply_legacy_mapping). Never null.
  std::shared_ptr<config::ConfigDocument> document;

  const std::string& advertised() const { return advertise_addr.empty() ? addr : advertise_addr; }
  std::string effective_status_addr() const;
};

// Reads the drainer's own keys; the plugin sections stay in `document`. Unknown keys are reported
// later, by warn_unknown_keys() on the document, once the plugin host has read its sections.
Result<DrainerConfig> load_drainer_config(const std::filesystem::path& path);
Result<DrainerConfig> parse_drainer_config(std::string_view text, const std::string& source_name);
// Checks relations between settings (advertise address, TLS files together, ...).
Status validate(const DrainerConfig& config);
// Maps an original [syncer] db-type / [syncer.to] onto [[sink]]/[[filter]] entries (after the
// flags are applied, since the file sink's dir defaults to data-dir). Sets db_type.
Status apply_legacy_mapping(DrainerConfig& config);

}  // namespace sluice::drainer
