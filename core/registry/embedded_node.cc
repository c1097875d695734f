#include "core/registry/embedded_node.h"

#include <fmt/format.h>

#include "core/registry/node_identity.h"

namespace sluice::registry {

Result<EmbeddedNode> open_embedded_node(const EmbeddedNodeOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return Status::io_error(
        fmt::format("cannot create data dir {}: {}", options.data_dir.string(), error.message()));
  }
  auto lock = FileLock::try_acquire(options.data_dir / ".lock");
  if (!lock.is_ok()) {
    return Status::unavailable(fmt::format("data dir {} is in use by another {} ({})",
                                           options.data_dir.string(), options.role,
                                           lock.status().message()));
  }
  auto registry = DirectoryRegistry::open(options.registry_dir);
  if (!registry.is_ok()) return registry.status();
  auto tso = tso::EmbeddedTso::open(options.registry_dir / "tso");
  if (!tso.is_ok()) return tso.status().with_context("embedded TSO");
  uint64_t cluster_id = options.cluster_id;
  if (cluster_id == 0) {
    auto id = load_or_create_cluster_id(options.registry_dir);
    if (!id.is_ok()) return id.status().with_context("cluster id");
    cluster_id = *id;
  }
  auto node_id = load_or_create_node_id(options.data_dir, options.node_id, options.advertise_addr);
  if (!node_id.is_ok()) return node_id.status().with_context("node id");
  return EmbeddedNode{std::move(lock).value(), std::move(registry).value(), std::move(tso).value(),
                      cluster_id, std::move(node_id).value()};
}

}  // namespace sluice::registry
