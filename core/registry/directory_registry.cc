#include "core/registry/directory_registry.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/common/atomic_file.h"
#include "core/common/file_lock.h"

namespace sluice::registry {

Status check_node_id(const std::string& node_id) {
  if (node_id.empty() || node_id.size() > 255 || node_id == "." || node_id == ".." ||
      node_id.find('/') != std::string::npos || node_id.find('\0') != std::string::npos) {
    return Status::invalid_argument(fmt::format(
        "node id '{}' is not usable as a registry entry (empty, '/', or too long)", node_id));
  }
  return Status::ok();
}

Result<std::unique_ptr<DirectoryRegistry>> DirectoryRegistry::open(
    const std::filesystem::path& root) {
  std::error_code error;
  for (NodeKind kind : {NodeKind::kPump, NodeKind::kDrainer}) {
    std::filesystem::create_directories(root / node_kind_dir(kind), error);
    if (error) {
      return Status::io_error(
          fmt::format("registry directory {}: cannot create: {}", root.string(), error.message()));
    }
  }
  return std::make_unique<DirectoryRegistry>(root);
}

std::filesystem::path DirectoryRegistry::file_of(NodeKind kind, const std::string& node_id) const {
  return root_ / node_kind_dir(kind) / (node_id + ".json");
}

Result<std::vector<NodeStatus>> DirectoryRegistry::list(NodeKind kind) {
  std::vector<NodeStatus> nodes;
  std::error_code error;
  const auto directory = root_ / node_kind_dir(kind);
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() != ".json") continue;  // skips *.tmp.<pid> files
    auto content = read_file(entry.path());
    if (!content.is_ok()) {
      if (content.status().code() == StatusCode::kNotFound) continue;  // removed meanwhile
      return content.status();
    }
    auto status = parse_node_status(*content);
    if (!status.is_ok()) return status.status().with_context(entry.path().string());
    nodes.push_back(std::move(status).value());
  }
  if (error) {
    return Status::io_error(
        fmt::format("registry directory {}: {}", directory.string(), error.message()));
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeStatus& a, const NodeStatus& b) { return a.node_id < b.node_id; });
  return nodes;
}

Result<std::optional<NodeStatus>> DirectoryRegistry::get(NodeKind kind,
                                                         const std::string& node_id) {
  SLUICE_RETURN_IF_ERROR(check_node_id(node_id));
  const auto path = file_of(kind, node_id);
  auto content = read_file(path);
  if (!content.is_ok()) {
    if (content.status().code() == StatusCode::kNotFound) return std::optional<NodeStatus>();
    return content.status();
  }
  auto status = parse_node_status(*content);
  if (!status.is_ok()) return status.status().with_context(path.string());
  return std::optional<NodeStatus>(std::move(status).value());
}

Status DirectoryRegistry::write_locked(NodeKind kind, const NodeStatus& status) {
  return write_file_atomically(file_of(kind, status.node_id), to_json(status));
}

Status DirectoryRegistry::put(NodeKind kind, const NodeStatus& status) {
  SLUICE_RETURN_IF_ERROR(check_node_id(status.node_id));
  std::lock_guard guard(mutex_);
  SLUICE_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(root_ / ".lock"));
  return write_locked(kind, status);
}

Status DirectoryRegistry::create(NodeKind kind, const NodeStatus& status) {
  SLUICE_RETURN_IF_ERROR(check_node_id(status.node_id));
  std::lock_guard guard(mutex_);
  SLUICE_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(root_ / ".lock"));
  if (std::filesystem::exists(file_of(kind, status.node_id))) {
    return Status::already_exists(fmt::format("{} {} is already registered in {}",
                                              kind == NodeKind::kPump ? "pump" : "drainer",
                                              status.node_id, root_.string()));
  }
  return write_locked(kind, status);
}

}  // namespace sluice::registry
