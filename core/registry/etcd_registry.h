#pragma once
// EtcdRegistry: the cluster-mode registry, NodeStatus JSON records in etcd (PD's embedded etcd
// or a plain etcd 3.x) under the original's keys
//   /tidb-binlog/v1/pumps/<node-id>, /tidb-binlog/v1/drainers/<node-id>
// so the original's binlogctl, TiDB's pump client and Sluice read each other's records. Like the
// original: no lease or TTL (liveness is judged from updateTS), records are never deleted,
// creation is a transaction guarded by ModRevision == 0. Sluice adds an update guarded by the
// ModRevision the writer last saw, and a watch per node kind that wakes a drainer on pump changes.
// Owns its EtcdClient; thread-safe. Watchers must be destroyed before the registry.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/registry/etcd_client.h"
#include "core/registry/etcd_watcher.h"
#include "core/registry/registry.h"

namespace sluice::registry {

// "/tidb-binlog/v1": the original's key root (pkg/node).
inline constexpr std::string_view kEtcdRegistryRoot = "/tidb-binlog/v1";

// "/tidb-binlog/v1/pumps/" and the record key of a node.
std::string registry_prefix(NodeKind kind);
std::string registry_key(NodeKind kind, const std::string& node_id);
// The kind and node id of a record key; InvalidArgument for keys outside the layout.
Result<std::pair<NodeKind, std::string>> parse_registry_key(std::string_view key);

// A record with the etcd ModRevision it was read at.
struct VersionedNodeStatus {
  NodeStatus status;
  int64_t mod_revision = 0;
};

class EtcdRegistry : public Registry {
 public:
  // `urls`: comma list as pd-urls ("http://10.0.0.1:2379,http://10.0.0.2:2379"). No I/O.
  static Result<std::unique_ptr<EtcdRegistry>> open(
      std::string_view urls, std::chrono::milliseconds request_timeout = std::chrono::seconds(3));
  explicit EtcdRegistry(std::unique_ptr<EtcdClient> client) : client_(std::move(client)) {}

  Result<std::vector<NodeStatus>> list(NodeKind kind) override;
  Result<std::optional<NodeStatus>> get(NodeKind kind, const std::string& node_id) override;
  Status put(NodeKind kind, const NodeStatus& status) override;
  Status create(NodeKind kind, const NodeStatus& status) override;

  Result<std::vector<VersionedNodeStatus>> list_versioned(NodeKind kind);
  Result<std::optional<VersionedNodeStatus>> get_versioned(NodeKind kind,
                                                           const std::string& node_id);
  // Creates the record when absent; returns its ModRevision. AlreadyExists otherwise.
  Result<int64_t> create_versioned(NodeKind kind, const NodeStatus& status);
  // Replaces the record only when its ModRevision is still `expected_mod_revision` (a
  // heartbeat that nobody else overwrote, e.g. binlogctl update-pump); returns the new
  // ModRevision. FailedPrecondition naming both revisions when the record changed meanwhile,
  // NotFound when it is absent.
  Result<int64_t> update(NodeKind kind, const NodeStatus& status, int64_t expected_mod_revision);

  // Calls `on_change` on a background thread after each change to a record of `kind` (a put by
  // any client, this one included) with the changed records; an empty vector means "list
  // again" (etcd compacted the history). Watches from the current revision, or from
  // `after_revision` + 1 when given, so a caller that just listed misses nothing.
  using ChangeCallback = std::function<void(const std::vector<VersionedNodeStatus>& changed)>;
  std::unique_ptr<EtcdWatcher> watch(NodeKind kind, ChangeCallback on_change,
                                     int64_t after_revision = 0);

  EtcdClient& client() { return *client_; }

 private:
  Result<int64_t> create_or_fail(NodeKind kind, const NodeStatus& status);

  std::unique_ptr<EtcdClient> client_;
};

}  // namespace sluice::registry
