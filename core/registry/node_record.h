#pragma once
// NodeRecord: one node's own record in the registry, written the way docs/cluster.md describes.
// In etcd: registration creates the record when absent (ModRevision == 0) or replaces the one
// found, guarded by the ModRevision it was read at; every later write is guarded by the
// ModRevision of the node's previous write, so a change by someone else (binlogctl update-pump,
// a second process with the same node id) is not overwritten but reported: write() then returns
// the record found, and the next write goes over it (the caller decides first whether to obey).
// In the embedded directory registry writes are plain puts and nothing is reported.
// Borrows the registry, which must outlive it. Thread-safe (calls are serialised).

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/common/result.h"
#include "core/registry/etcd_registry.h"
#include "core/registry/registry.h"

namespace sluice::registry {

class NodeRecord {
 public:
  NodeRecord(Registry& registry, NodeKind kind);

  // Writes `status` as the node's record; returns the record that was there before (none when
  // the node is new).
  Result<std::optional<NodeStatus>> register_node(const NodeStatus& status);

  // A heartbeat or state change. Returns the record someone else wrote since this node's last
  // write, in which case `status` was NOT written; nullopt when `status` was written.
  Result<std::optional<NodeStatus>> write(const NodeStatus& status);

  // Writes `status` whatever changed meanwhile (the final state at stop, once the caller has
  // looked at any change): a stale revision is re-read and written over once.
  Status force_write(const NodeStatus& status);

 private:
  Result<std::optional<NodeStatus>> write_locked(const NodeStatus& status);

  Registry& registry_;
  EtcdRegistry* etcd_;  // registry_ when it is etcd
  const NodeKind kind_;
  std::mutex mutex_;
  int64_t revision_ = 0;  // etcd: the ModRevision of this node's last write (0: none yet)
};

}  // namespace sluice::registry
