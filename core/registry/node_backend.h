#pragma once
// NodeBackend: what a pump or drainer opens first, in either mode (docs/cluster.md): its data
// directory (created and locked), the registry, the TSO source, the cluster id and the node id.
//   registry "embedded": the directory registry in registry-dir (directory_registry.h);
//   registry "etcd":     EtcdRegistry at pd-urls (the original's keys);
//   tso:                 "embedded" | "pd" | "sluice" (core/tso/tso_factory.h).
// Defaults follow the original: with pd-urls set and no `registry`, the registry is etcd; with an
// etcd registry and no `tso`, timestamps come from PD at pd-urls.
// Cluster id: the configured cluster-id when non-zero; else, with tso "pd" or "sluice", the one
// GetMembers reports (PD's own, or the Sluice TSO service's); else the embedded registry
// directory's cluster_id file (one host).
// Node id: as the embedded mode (node_identity.h). Each failure names its cause.
// The NodeBackend owns everything it holds; the registry and TSO are thread-safe.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/file_lock.h"
#include "core/common/result.h"
#include "core/registry/etcd_registry.h"
#include "core/registry/registry.h"
#include "core/tso/tso_factory.h"
#include "core/tso/tso_source.h"

namespace sluice::registry {

enum class RegistryMode { kEmbedded, kEtcd };
std::string_view registry_mode_name(RegistryMode mode);

// The settings as written (empty `registry`/`tso`: the defaults above).
struct ClusterSettings {
  std::string registry;  // "", "embedded", "etcd"
  std::string tso;       // "", "embedded", "pd", "sluice"
  std::string pd_urls;
  std::string tso_urls;
};

struct ClusterMode {
  RegistryMode registry = RegistryMode::kEmbedded;
  tso::TsoMode tso = tso::TsoMode::kEmbedded;
};

// Applies the defaults and checks what each choice needs (etcd needs pd-urls, ...). No I/O.
Result<ClusterMode> resolve_cluster_mode(const ClusterSettings& settings);

struct NodeBackendOptions {
  std::string role;  // "pump", "drainer": for messages
  std::filesystem::path data_dir;
  std::filesystem::path registry_dir;  // embedded registry, embedded TSO, cluster_id file
  uint64_t cluster_id = 0;             // 0: see above
  std::string node_id;                 // as configured; may be empty
  std::string advertise_addr;
  ClusterSettings cluster;
};

struct NodeBackend {
  FileLock data_lock;
  ClusterMode mode;
  std::unique_ptr<Registry> registry;
  EtcdRegistry* etcd = nullptr;  // = registry in etcd mode, else null
  std::unique_ptr<tso::TsoSource> tso;
  uint64_t cluster_id = 0;
  std::string node_id;

  // "etcd registry at 127.0.0.1:2379, pd TSO" and the like, for the start-up log line.
  std::string describe() const;
};

// Opens everything; in etcd mode does not contact etcd (the first registration does), but with
// tso "pd"/"sluice" and no configured cluster id it asks GetMembers.
Result<NodeBackend> open_node_backend(const NodeBackendOptions& options);

// The cluster id open_node_backend() would use, without opening anything else (the drainer
// needs it for its checkpoint table before the node starts).
Result<uint64_t> resolve_cluster_id(const NodeBackendOptions& options);

// The options from a daemon config with data_dir, registry_dir, cluster_id, node_id,
// advertised(), registry, tso, pd_urls, tso_urls (PumpConfig, DrainerConfig).
template <typename DaemonConfig>
NodeBackendOptions node_backend_options(std::string role, const DaemonConfig& config) {
  NodeBackendOptions options;
  options.role = std::move(role);
  options.data_dir = config.data_dir;
  options.registry_dir = config.registry_dir;
  options.cluster_id = config.cluster_id;
  options.node_id = config.node_id;
  options.advertise_addr = config.advertised();
  options.cluster = {config.registry, config.tso, config.pd_urls, config.tso_urls};
  return options;
}

}  // namespace sluice::registry
