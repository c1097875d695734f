#pragma once
// PumpNode: one running pump process's parts wired together (facts §5 "Node registry", "States"):
// the data-dir lock, the BinlogStore (<data-dir>/kv), the registry and TSO the config chooses
// (core/registry/node_backend.h: embedded in <registry-dir>, or etcd at pd-urls with PD's or
// Sluice's TSO; docs/cluster.md), the gRPC PumpServer, the HTTP status server, the
// registry record and its heartbeat, and the DrainerNotifier run once on first registration.
//
// TLS: with [security] set, the gRPC port and the HTTP port both serve TLS only, require a client
// certificate signed by ssl-ca and enforce cert-allowed-cn; Notify calls to drainers present
// ssl-cert. Unusable TLS files stop start() with an error naming the file.
//
// Identity:
//   node id    = content of <data-dir>/.node, else config node-id, else hostname:port (the
//                advertise address's port); written to <data-dir>/.node when absent.
//   cluster id = config cluster-id, else PD's (GetMembers) with tso "pd"/"sluice", else the file
//                <registry-dir>/cluster_id (decimal), generated once (random, non-zero) and
//                written atomically under <registry-dir>/cluster_id.lock so every process
//                sharing the embedded registry agrees on it.
//
// States: online -> (PUT /state/<id>/pause or stop while online) pausing -> paused;
//         online -> (PUT /state/<id>/close) closing -> (flush, wait until every drainer that is
//         not offline has a checkpoint at or past this pump's last commit ts) -> offline; a stop
//         request while waiting gives up the close and ends paused.
// In etcd the record is written guarded by its ModRevision (node_record.h); when someone else
// changed it (binlogctl update-pump), the pump obeys the state found: paused/pausing -> stop,
// paused; closing -> the close above; offline -> stop at once, offline (the operator accepted
// that undrained binlogs are lost); online -> keep going. Heartbeats that fail (etcd down) are
// logged naming the endpoints and retried with back-off (heartbeat-interval doubling to 10 s).
// HTTP (separate port, config status-addr; the original multiplexes it on the gRPC port):
//   GET /status, PUT /state/{id}/{pause|close}, GET /metrics, GET /debug/binlog/{ts},
//   POST /debug/gc/trigger (one GC pass now; see gc_policy.h for what it may purge).
//
// Ownership: owns every part above. Lifetime: start() -> [request_stop() or an HTTP action] ->
// shutdown() (also run by the destructor). Thread-safety: every public method may be called from
// any thread; shutdown() runs once.

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

#include "core/common/file_lock.h"
#include "core/common/result.h"
#include "core/metrics/metrics_registry.h"
#include "core/net/http_server.h"
#include "core/net/tls_config.h"
#include "core/pump/drainer_notifier.h"
#include "core/pump/gc_scheduler.h"
#include "core/pump/pump_config.h"
#include "core/pump/pump_server.h"
#include "core/registry/node_record.h"
#include "core/registry/registry.h"
#include "core/storage/binlog_store.h"
#include "core/tso/tso_source.h"

namespace sluice::pump {

class PumpNode {
  struct PrivateKey {
    explicit PrivateKey() = default;
  };

 public:
  // Opens everything, registers the node online and starts serving. Each failure names its
  // cause (data dir used by another pump, port in use, unreadable registry, ...).
  static Result<std::unique_ptr<PumpNode>> start(const PumpConfig& config);

  explicit PumpNode(PrivateKey, PumpConfig config);
  ~PumpNode();
  PumpNode(const PumpNode&) = delete;
  PumpNode& operator=(const PumpNode&) = delete;

  // Asks the node to stop (SIGTERM): online -> paused. Returns at once; see stop_requested().
  void request_stop();
  // True once request_stop() or an HTTP pause/close asked the node to end.
  bool stop_requested() const;
  // Blocks until stop_requested() or the timeout; true if requested.
  bool wait_stop_requested(std::chrono::milliseconds timeout) const;

  // Runs the pending transition to paused/offline: stops serving, closes the store and records
  // the final state. Idempotent.
  Status shutdown();

  const std::string& node_id() const { return node_id_; }
  uint64_t cluster_id() const { return cluster_id_; }
  int grpc_port() const;
  int http_port() const;
  std::string state() const;
  storage::BinlogStore& store() { return *store_; }
  PumpServer& server() { return *server_; }
  // The loaded [security] files, or null without TLS.
  const net::TlsMaterial* tls() const { return tls_ ? &*tls_ : nullptr; }

 private:
  Status open();
  Status register_online();
  registry::NodeStatus make_status(const std::string& state) const;
  void heartbeat_loop();
  // Acts on a record someone else wrote (see the header comment).
  void obey_registry(const registry::NodeStatus& found);
  void setup_http();
  // Starts the pause/close action; false with a reason when not allowed.
  Result<std::string> apply_action(const std::string& node_id, const std::string& action);
  // online -> `transitional`, ending `final_state`. False when not online (or already ending).
  bool begin_end(std::string_view transitional, std::string_view final_state,
                 bool skip_offline_wait);
  // True once safe; false when a stop request gave the close up.
  bool wait_safe_to_offline();
  bool offline_abandoned() const;

  const PumpConfig config_;
  std::optional<net::TlsMaterial> tls_;
  std::string node_id_;
  uint64_t cluster_id_ = 0;

  std::optional<FileLock> data_lock_;
  metrics::MetricsRegistry metrics_;
  std::unique_ptr<tso::TsoSource> tso_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<registry::NodeRecord> record_;
  std::string backend_description_;
  std::unique_ptr<storage::BinlogStore> store_;
  std::unique_ptr<PumpServer> server_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<GcScheduler> gc_;
  std::unique_ptr<DrainerNotifier> notifier_;
  std::thread heartbeat_;

  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::string state_ = "online";
  std::string final_state_;  // paused or offline, once an end was requested
  bool stop_requested_ = false;
  bool skip_offline_wait_ = false;  // offline set in the registry by someone else
  bool offline_abandoned_ = false;  // a stop request while closing: end paused instead
  bool heartbeat_stop_ = false;
  bool shut_down_ = false;
  bool registered_ = false;          // set by open() only, before other threads exist
  bool first_registration_ = false;  // likewise: no record, or an offline one, before ours
};

}  // namespace sluice::pump
