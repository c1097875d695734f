#pragma once
// Who a pump or drainer is, in the embedded mode:
//   cluster id = the file <registry-dir>/cluster_id (decimal), generated once (random, positive,
//                non-zero) and written atomically under <registry-dir>/cluster_id.lock, so every
//                process sharing the embedded registry agrees on it;
//   node id    = content of <data-dir>/.node, else the configured node-id, else hostname:port
//                (the advertise address's port); written to <data-dir>/.node when absent, so a
//                node keeps its identity across restarts and config changes.
// Safe for several processes at once (the lock file); each call does its own I/O.

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/common/result.h"

namespace sluice::registry {

Result<uint64_t> load_or_create_cluster_id(const std::filesystem::path& registry_dir);

Result<std::string> load_or_create_node_id(const std::filesystem::path& data_dir,
                                           const std::string& configured,
                                           const std::string& advertise_addr);

}  // namespace sluice::registry
