#pragma once
// DirectoryRegistry: the embedded registry, a directory of JSON files
//   <root>/pumps/<node-id>.json, <root>/drainers/<node-id>.json
// holding NodeStatus records in the original's JSON shape. Writes are atomic (temporary file,
// fsync, rename) and serialised across processes with an advisory lock on <root>/.lock, so
// several processes of one host can share it. Thread-safe.

#include <filesystem>
#include <mutex>

#include "core/registry/registry.h"

namespace sluice::registry {

class DirectoryRegistry : public Registry {
 public:
  // Creates the directories when missing.
  static Result<std::unique_ptr<DirectoryRegistry>> open(const std::filesystem::path& root);
  // Use open(), which makes the directories; this only records the root.
  explicit DirectoryRegistry(std::filesystem::path root) : root_(std::move(root)) {}

  Result<std::vector<NodeStatus>> list(NodeKind kind) override;
  Result<std::optional<NodeStatus>> get(NodeKind kind, const std::string& node_id) override;
  Status put(NodeKind kind, const NodeStatus& status) override;
  Status create(NodeKind kind, const NodeStatus& status) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path file_of(NodeKind kind, const std::string& node_id) const;
  Status write_locked(NodeKind kind, const NodeStatus& status);

  std::filesystem::path root_;
  std::mutex mutex_;  // serialises this process's threads; the file lock, other processes
};

// Node ids become file names: refuse ones that could escape the directory.
Status check_node_id(const std::string& node_id);

}  // namespace sluice::registry
