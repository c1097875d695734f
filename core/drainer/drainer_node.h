#pragma once
// DrainerNode: one running drainer process's parts wired together (facts §6 "Startup"):
// the data-dir lock, the registry and TSO the config chooses (core/registry/node_backend.h:
// embedded, or etcd at pd-urls with PD's or Sluice's TSO; docs/cluster.md), the plugin host and one
// SinkRunner per sink, the checkpoint store (<data-dir>/savepoint), the Merger, the PumpCollector,
// the Syncer, the gRPC Cistern service on `addr`, the HTTP status server, the registry record and
// its heartbeat, and a housekeeping thread (discovery every detect-interval or at once on Notify,
// heartbeat, a one-line progress log every progress-interval).
//
// Start: checkpoint = the saved one, else initial-commit-ts (-1: the current TSO); the schema
// comes from the snapshot saved with it. The checkpoint is re-saved at once with
// consistent = false, so a crash from here on is known at the next start: then sinks open with
// SLUICE_RESUME_UNCLEAN and transactions carry safe mode for safe-mode-duration (5 min).
//
// Stop: request_stop() (SIGTERM) or PUT /state/<id>/pause -> paused; PUT /state/<id>/close ->
// offline (pumps stop keeping binlogs for it). shutdown() stops pulling, drains and flushes
// every sink, saves the checkpoint with consistent = true and records the final state; a drain
// that takes longer than stop-timeout is given up (checkpoint at what is durable, consistent =
// false). A sink or
// pump failure ends the node too: failure() holds the cause, the checkpoint stays before it.
//
// Cluster mode: a watch on the pumps' etcd prefix wakes discovery at once on any pump change
// (besides detect-interval and Notify). The record is written guarded by its ModRevision
// (node_record.h); when someone else changed it (binlogctl update-drainer), the drainer obeys:
// paused/pausing -> stop, paused; closing/offline -> stop, offline. Failed heartbeats (etcd
// down) are logged naming the endpoints and retried with back-off (doubling to 10 s); pulling
// and syncing go on meanwhile.
//
// HTTP (separate port, status-addr; the original multiplexes it on the gRPC port):
//   GET /status  {"PumpPos", "Synced", "LastTS", "TsMap"} as the original, plus NodeID, State,
//                Checkpoint, MergedTS, Pumps (state, address, position, error), Stalled, Sinks
//                (watermark, lag, queue, failure)
//   GET /commit_ts, PUT /state/{id}/{pause|close}, GET /metrics.
// Thread-safety: every public method may be called from any thread; shutdown() runs once.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/checkpoint/checkpoint_store.h"
#include "core/common/file_lock.h"
#include "core/common/result.h"
#include "core/drainer/cistern_server.h"
#include "core/drainer/drainer_config.h"
#include "core/drainer/drainer_metrics.h"
#include "core/drainer/pump_collector.h"
#include "core/drainer/relay_log_writer.h"
#include "core/drainer/sink_runner.h"
#include "core/drainer/syncer.h"
#include "core/merge/merger.h"
#include "core/metrics/metrics_registry.h"
#include "core/net/http_server.h"
#include "core/net/tls_config.h"
#include "core/plugin_host/plugin_host.h"
#include "core/registry/etcd_watcher.h"
#include "core/registry/node_record.h"
#include "core/registry/registry.h"
#include "core/tso/tso_source.h"

namespace sluice::drainer {

class DrainerNode {
  struct PrivateKey {
    explicit PrivateKey() = default;
  };

 public:
  // Opens everything and starts replicating. `config` must have had apply_legacy_mapping.
  // `store` keeps the checkpoint; null: the file store in data-dir (config.checkpoint.type must
  // then be "file": the daemon builds the table store for "mysql"/"tidb").
  static Result<std::unique_ptr<DrainerNode>> start(
      DrainerConfig config, std::unique_ptr<checkpoint::CheckpointStore> store = nullptr);

  // `drainer --check-config`: the drainer's settings and every plugin's config, validated
  // without connecting anywhere or creating instances. Empty: all valid.
  static std::vector<Status> check_config(DrainerConfig& config);

  DrainerNode(PrivateKey, DrainerConfig config);
  ~DrainerNode();
  DrainerNode(const DrainerNode&) = delete;
  DrainerNode& operator=(const DrainerNode&) = delete;

  void request_stop();
  bool stop_requested() const;
  bool wait_stop_requested(std::chrono::milliseconds timeout) const;
  // Stops, drains, flushes, saves the final checkpoint. Returns the failure that ended the node,
  // if any. Idempotent. Bounded: after stop-timeout the sinks give up what is not yet durable
  // (back-offs and plugin waits end; the checkpoint is saved at what is durable, not consistent).
  // Only a plugin stuck inside a call can hold it longer (calls_in_progress() names it; the daemon
  // exits regardless after a grace period).
  Status shutdown();
  // "sink 'x' has been in write for 12.0 s" for each call into a sink under way. Any thread.
  std::vector<std::string> calls_in_progress() const;

  std::optional<Status> failure() const;
  const std::string& node_id() const { return node_id_; }
  uint64_t cluster_id() const { return cluster_id_; }
  int grpc_port() const { return cistern_ ? cistern_->port() : 0; }
  int http_port() const { return http_ ? http_->port() : 0; }
  std::string state() const;
  int64_t checkpoint_ts() const;
  // The commit_ts up to which every sink is durable now (the next checkpoint saves at least this).
  int64_t durable_ts() const;
  SyncerStats stats() const;
  // Wakes discovery (the registry watch's callback).
  void notify();
  // Looks for pumps now, on the caller's thread (what Notify does): a pump found is pulled once
  // this returns OK.
  Status refresh_pumps();
  // True when start() found an unclean checkpoint, a relay log and no reachable upstream, and
  // replayed the relay log instead of replicating: the node has nothing more to do (the
  // checkpoint is saved consistent); relay_summary() says what was done.
  bool replayed_relay() const { return replayed_relay_; }
  const std::string& relay_summary() const { return relay_summary_; }

 private:
  Status open();
  Status shutdown_parts();
  // The stop timeout passed: every sink stops retrying and waiting.
  void abandon_undrained();
  // Whether any registered (not offline) pump answers a gRPC connection within a few seconds.
  bool upstream_reachable();
  Status replay_relay(checkpoint::Checkpoint start, const std::vector<SinkRunner*>& runners);
  Status register_online();
  registry::NodeStatus make_status(const std::string& state) const;
  // Acts on a record someone else wrote (see the header comment).
  void obey_registry(const registry::NodeStatus& found);
  // online -> `transitional`, ending `final_state`; false when not online. Requires mutex_.
  bool begin_end_locked(std::string_view transitional, std::string_view final_state);
  void housekeeping_loop();
  void log_progress();
  void setup_http();
  Result<std::string> apply_action(const std::string& node_id, const std::string& action);
  std::string status_json() const;

  DrainerConfig config_;
  std::string node_id_;
  uint64_t cluster_id_ = 0;
  std::optional<net::TlsMaterial> tls_;

  std::optional<FileLock> data_lock_;
  metrics::MetricsRegistry metrics_;
  std::unique_ptr<DrainerMetrics> drainer_metrics_;
  std::unique_ptr<tso::TsoSource> tso_;
  std::unique_ptr<registry::Registry> registry_;
  registry::EtcdRegistry* etcd_ = nullptr;  // registry_ in etcd mode
  std::unique_ptr<registry::NodeRecord> record_;
  std::string backend_description_;
  std::unique_ptr<checkpoint::CheckpointStore> checkpoint_store_;
  std::unique_ptr<plugin_host::PluginHost> plugins_;
  std::vector<std::unique_ptr<SinkRunner>> runners_;
  std::unique_ptr<merge::Merger> merger_;
  std::unique_ptr<PumpCollector> collector_;
  std::unique_ptr<Syncer> syncer_;
  std::unique_ptr<RelayLogWriter> relay_;
  bool replayed_relay_ = false;
  std::string relay_summary_;
  std::unique_ptr<CisternServer> cistern_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<registry::EtcdWatcher> pump_watch_;  // before registry_ goes (declared after)
  std::thread housekeeping_;

  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::string state_ = "online";
  std::string final_state_ = "paused";
  bool stop_requested_ = false;
  bool notified_ = false;
  bool housekeeping_stop_ = false;
  bool shut_down_ = false;
  bool stop_finished_ = false;
  std::mutex refresh_mutex_;  // one discovery pass at a time (housekeeping, Notify)
  std::optional<Status> failure_;
  // For the progress line.
  std::chrono::steady_clock::time_point last_progress_;
  SyncerStats last_progress_stats_;
  uint64_t merge_dropped_reported_ = 0;  // disorder + duplicates already counted in metrics
};

}  // namespace sluice::drainer
