#pragma once
// SchemaSnapshotFile: the drainer's schema snapshot kept beside its checkpoint
// (<data-dir>/savepoint.schema.json), whatever store holds the checkpoint itself. Replaced
// atomically; an unchanged snapshot is not rewritten. Thread-compatible.

#include <filesystem>
#include <string>

#include "core/common/result.h"

namespace sluice::checkpoint {

class SchemaSnapshotFile {
 public:
  explicit SchemaSnapshotFile(std::filesystem::path path) : path_(std::move(path)) {}

  // The saved snapshot; "" when there is none.
  Result<std::string> load();
  // Writes `snapshot` unless it is empty or what the file already holds.
  Status save(const std::string& snapshot);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string last_;
};

}  // namespace sluice::checkpoint
