#include "core/registry/node_record.h"

#include <spdlog/spdlog.h>

namespace sluice::registry {

NodeRecord::NodeRecord(Registry& registry, NodeKind kind)
    : registry_(registry), etcd_(dynamic_cast<EtcdRegistry*>(&registry)), kind_(kind) {}

Result<std::optional<NodeStatus>> NodeRecord::register_node(const NodeStatus& status) {
  std::lock_guard lock(mutex_);
  if (etcd_ == nullptr) {
    SLUICE_ASSIGN_OR_RETURN(auto previous, registry_.get(kind_, status.node_id));
    SLUICE_RETURN_IF_ERROR(registry_.put(kind_, status));
    return previous;
  }
  // Read, then create or replace guarded by what was read; a concurrent change makes the guard
  // fail, and the loop reads again (a binlogctl update racing the start is rare and brief).
  for (int attempt = 0;; ++attempt) {
    SLUICE_ASSIGN_OR_RETURN(auto previous, etcd_->get_versioned(kind_, status.node_id));
    Result<int64_t> written = previous ? etcd_->update(kind_, status, previous->mod_revision)
                                       : etcd_->create_versioned(kind_, status);
    if (written.is_ok()) {
      revision_ = *written;
      if (!previous) return std::optional<NodeStatus>();
      return std::optional<NodeStatus>(std::move(previous->status));
    }
    const StatusCode code = written.status().code();
    const bool raced = code == StatusCode::kFailedPrecondition ||
                       code == StatusCode::kAlreadyExists || code == StatusCode::kNotFound;
    if (!raced || attempt >= 3) return written.status();
  }
}

Result<std::optional<NodeStatus>> NodeRecord::write_locked(const NodeStatus& status) {
  if (etcd_ == nullptr) {
    SLUICE_RETURN_IF_ERROR(registry_.put(kind_, status));
    return std::optional<NodeStatus>();
  }
  if (revision_ == 0) {
    // Never written (registration failed, e.g. etcd was down): create, or take over what is
    // there as a registration would.
    auto created = etcd_->create_versioned(kind_, status);
    if (created.is_ok()) {
      revision_ = *created;
      return std::optional<NodeStatus>();
    }
    if (created.status().code() != StatusCode::kAlreadyExists) return created.status();
  } else {
    auto updated = etcd_->update(kind_, status, revision_);
    if (updated.is_ok()) {
      revision_ = *updated;
      return std::optional<NodeStatus>();
    }
    const StatusCode code = updated.status().code();
    if (code == StatusCode::kNotFound) {
      // Someone deleted the record (the original never does): write it again.
      SLUICE_ASSIGN_OR_RETURN(revision_, etcd_->create_versioned(kind_, status));
      return std::optional<NodeStatus>();
    }
    if (code != StatusCode::kFailedPrecondition) return updated.status();
    spdlog::warn("{}", updated.status().message());
  }
  SLUICE_ASSIGN_OR_RETURN(auto found, etcd_->get_versioned(kind_, status.node_id));
  if (!found) {
    SLUICE_ASSIGN_OR_RETURN(revision_, etcd_->create_versioned(kind_, status));
    return std::optional<NodeStatus>();
  }
  revision_ = found->mod_revision;
  return std::optional<NodeStatus>(std::move(found->status));
}

Result<std::optional<NodeStatus>> NodeRecord::write(const NodeStatus& status) {
  std::lock_guard lock(mutex_);
  return write_locked(status);
}

Status NodeRecord::force_write(const NodeStatus& status) {
  std::lock_guard lock(mutex_);
  for (int attempt = 0; attempt < 3; ++attempt) {
    SLUICE_ASSIGN_OR_RETURN(auto found, write_locked(status));
    if (!found) return Status::ok();
  }
  return Status::failed_precondition(
      "the registry record keeps changing under this node; its final state was not written");
}

}  // namespace sluice::registry
