#pragma once
// Registry: where pumps and drainers announce themselves and find each other. Two
// implementations share this interface: the embedded directory registry (one host, no servers)
// and the etcd registry (cluster mode, keys /tidb-binlog/v1/{pumps,drainers}/<node-id>).
// Implementations are thread-safe.

#include <optional>
#include <vector>

#include "core/registry/node_status.h"

namespace sluice::registry {

class Registry {
 public:
  virtual ~Registry() = default;
  // Every node of a kind, sorted by node id.
  virtual Result<std::vector<NodeStatus>> list(NodeKind kind) = 0;
  virtual Result<std::optional<NodeStatus>> get(NodeKind kind, const std::string& node_id) = 0;
  // Creates the record when absent (the original's "ModRevision == 0" put) or replaces it.
  virtual Status put(NodeKind kind, const NodeStatus& status) = 0;
  // Creates only when absent: AlreadyExists otherwise.
  virtual Status create(NodeKind kind, const NodeStatus& status) = 0;
};

}  // namespace sluice::registry
