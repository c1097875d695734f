#include "core/registry/etcd_registry.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/registry/directory_registry.h"  // check_node_id

namespace sluice::registry {

namespace {

std::string_view kind_name(NodeKind kind) {
  return kind == NodeKind::kPump ? "pump" : "drainer";
}

Result<VersionedNodeStatus> decode(const mvccpb::KeyValue& kv) {
  auto status = parse_node_status(kv.value());
  if (!status.is_ok()) return status.status().with_context(fmt::format("etcd key {}", kv.key()));
  return VersionedNodeStatus{std::move(status).value(), kv.mod_revision()};
}

etcdserverpb::Compare mod_revision_equals(const std::string& key, int64_t revision) {
  etcdserverpb::Compare compare;
  compare.set_key(key);
  compare.set_target(etcdserverpb::Compare::MOD);
  compare.set_result(etcdserverpb::Compare::EQUAL);
  compare.set_mod_revision(revision);
  return compare;
}

}  // namespace

std::string registry_prefix(NodeKind kind) {
  return fmt::format("{}/{}/", kEtcdRegistryRoot, node_kind_dir(kind));
}

std::string registry_key(NodeKind kind, const std::string& node_id) {
  return registry_prefix(kind) + node_id;
}

Result<std::pair<NodeKind, std::string>> parse_registry_key(std::string_view key) {
  for (NodeKind kind : {NodeKind::kPump, NodeKind::kDrainer}) {
    const std::string prefix = registry_prefix(kind);
    if (key.starts_with(prefix) && key.size() > prefix.size()) {
      std::string node_id(key.substr(prefix.size()));
      if (node_id.find('/') == std::string::npos) return std::make_pair(kind, std::move(node_id));
    }
  }
  return Status::invalid_argument(fmt::format(
      "'{}' is not a registry key ({}/{{pumps,drainers}}/<node-id>)", key, kEtcdRegistryRoot));
}

Result<std::unique_ptr<EtcdRegistry>> EtcdRegistry::open(
    std::string_view urls, std::chrono::milliseconds request_timeout) {
  SLUICE_ASSIGN_OR_RETURN(auto client, EtcdClient::create(urls, request_timeout));
  return std::make_unique<EtcdRegistry>(std::move(client));
}

Result<std::vector<VersionedNodeStatus>> EtcdRegistry::list_versioned(NodeKind kind) {
  const std::string prefix = registry_prefix(kind);
  SLUICE_ASSIGN_OR_RETURN(auto response, client_->range(prefix, prefix_range_end(prefix)));
  std::vector<VersionedNodeStatus> nodes;
  for (const auto& kv : response.kvs()) {
    if (kv.key().find('/', prefix.size()) != std::string::npos) continue;  // not a record key
    SLUICE_ASSIGN_OR_RETURN(auto node, decode(kv));
    nodes.push_back(std::move(node));
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const auto& a, const auto& b) { return a.status.node_id < b.status.node_id; });
  return nodes;
}

Result<std::vector<NodeStatus>> EtcdRegistry::list(NodeKind kind) {
  SLUICE_ASSIGN_OR_RETURN(auto versioned, list_versioned(kind));
  std::vector<NodeStatus> nodes;
  nodes.reserve(versioned.size());
  for (auto& node : versioned)
    nodes.push_back(std::move(node.status));
  return nodes;
}

Result<std::optional<VersionedNodeStatus>> EtcdRegistry::get_versioned(NodeKind kind,
                                                                       const std::string& node_id) {
  SLUICE_RETURN_IF_ERROR(check_node_id(node_id));
  SLUICE_ASSIGN_OR_RETURN(auto response, client_->range(registry_key(kind, node_id)));
  if (response.kvs_size() == 0) return std::optional<VersionedNodeStatus>();
  SLUICE_ASSIGN_OR_RETURN(auto node, decode(response.kvs(0)));
  return std::optional<VersionedNodeStatus>(std::move(node));
}

Result<std::optional<NodeStatus>> EtcdRegistry::get(NodeKind kind, const std::string& node_id) {
  SLUICE_ASSIGN_OR_RETURN(auto node, get_versioned(kind, node_id));
  if (!node) return std::optional<NodeStatus>();
  return std::optional<NodeStatus>(std::move(node->status));
}

Status EtcdRegistry::put(NodeKind kind, const NodeStatus& status) {
  SLUICE_RETURN_IF_ERROR(check_node_id(status.node_id));
  return client_->put(registry_key(kind, status.node_id), to_json(status)).status();
}

Result<int64_t> EtcdRegistry::create_or_fail(NodeKind kind, const NodeStatus& status) {
  SLUICE_RETURN_IF_ERROR(check_node_id(status.node_id));
  const std::string key = registry_key(kind, status.node_id);
  etcdserverpb::TxnRequest txn;
  *txn.add_compare() = mod_revision_equals(key, 0);  // the original's "absent" test
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(to_json(status));
  SLUICE_ASSIGN_OR_RETURN(auto response, client_->txn(txn));
  if (!response.succeeded()) {
    return Status::already_exists(fmt::format("{} {} is already registered at etcd key {}",
                                              kind_name(kind), status.node_id, key));
  }
  return response.header().revision();
}

Status EtcdRegistry::create(NodeKind kind, const NodeStatus& status) {
  return create_or_fail(kind, status).status();
}

Result<int64_t> EtcdRegistry::create_versioned(NodeKind kind, const NodeStatus& status) {
  return create_or_fail(kind, status);
}

Result<int64_t> EtcdRegistry::update(NodeKind kind, const NodeStatus& status,
                                     int64_t expected_mod_revision) {
  SLUICE_RETURN_IF_ERROR(check_node_id(status.node_id));
  if (expected_mod_revision <= 0) {
    return Status::invalid_argument(
        fmt::format("update of {} {}: expected ModRevision must be positive, got {}",
                    kind_name(kind), status.node_id, expected_mod_revision));
  }
  const std::string key = registry_key(kind, status.node_id);
  etcdserverpb::TxnRequest txn;
  *txn.add_compare() = mod_revision_equals(key, expected_mod_revision);
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(to_json(status));
  // On a failed compare, read the record so the error can say what it found.
  txn.add_failure()->mutable_request_range()->set_key(key);
  SLUICE_ASSIGN_OR_RETURN(auto response, client_->txn(txn));
  if (response.succeeded()) return response.header().revision();
  const auto& found = response.responses_size() > 0 ? response.responses(0).response_range()
                                                    : etcdserverpb::RangeResponse();
  if (found.kvs_size() == 0) {
    return Status::not_found(fmt::format("update of {} {}: etcd key {} does not exist",
                                         kind_name(kind), status.node_id, key));
  }
  return Status::failed_precondition(fmt::format(
      "update of {} {}: stale record, etcd key {} was modified at revision {} (expected {})",
      kind_name(kind), status.node_id, key, found.kvs(0).mod_revision(), expected_mod_revision));
}

std::unique_ptr<EtcdWatcher> EtcdRegistry::watch(NodeKind kind, ChangeCallback on_change,
                                                 int64_t after_revision) {
  const std::string prefix = registry_prefix(kind);
  return std::make_unique<EtcdWatcher>(
      *client_, prefix, prefix_range_end(prefix), after_revision > 0 ? after_revision + 1 : 0,
      [on_change = std::move(on_change)](const std::vector<mvccpb::Event>& events, int64_t) {
        std::vector<VersionedNodeStatus> changed;
        for (const auto& event : events) {
          if (event.type() != mvccpb::Event::PUT) continue;  // the original never deletes
          auto node = decode(event.kv());
          if (!node.is_ok()) {
            spdlog::warn("registry watch: skipping {}", node.status().message());
            continue;
          }
          changed.push_back(std::move(node).value());
        }
        if (events.empty() || !changed.empty()) on_change(changed);
      });
}

}  // namespace sluice::registry
