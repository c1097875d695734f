#pragma once
// What every Sluice daemon opens first in the embedded mode: its data directory (created, and
// locked so a second pump or drainer cannot use it), the directory registry and the
// process-shared TSO under <registry-dir>, the cluster id and the node id (node_identity.h).
// Each failure names its cause ("data dir X is in use by another drainer", ...).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/common/file_lock.h"
#include "core/common/result.h"
#include "core/registry/directory_registry.h"
#include "core/tso/embedded_tso.h"

namespace sluice::registry {

struct EmbeddedNodeOptions {
  std::string role;  // "pump", "drainer": for messages
  std::filesystem::path data_dir;
  std::filesystem::path registry_dir;
  uint64_t cluster_id = 0;  // 0: the one kept in the registry directory
  std::string node_id;      // as configured; may be empty
  std::string advertise_addr;
};

struct EmbeddedNode {
  FileLock data_lock;
  std::unique_ptr<DirectoryRegistry> registry;
  std::unique_ptr<tso::EmbeddedTso> tso;
  uint64_t cluster_id = 0;
  std::string node_id;
};

Result<EmbeddedNode> open_embedded_node(const EmbeddedNodeOptions& options);

// The options from a daemon config with data_dir, registry_dir, cluster_id, node_id and
// advertised() (PumpConfig, DrainerConfig).
template <typename DaemonConfig>
EmbeddedNodeOptions embedded_node_options(std::string role, const DaemonConfig& config) {
  EmbeddedNodeOptions options;
  options.role = std::move(role);
  options.data_dir = config.data_dir;
  options.registry_dir = config.registry_dir;
  options.cluster_id = config.cluster_id;
  options.node_id = config.node_id;
  options.advertise_addr = config.advertised();
  return options;
}

}  // namespace sluice::registry
