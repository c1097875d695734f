#pragma once
// CheckpointStore: where the drainer keeps its checkpoint. The file store (the default, the
// original's <data-dir>/savepoint) is here; the tidb_binlog.checkpoint table store comes with the
// MySQL/TiDB sinks. Implementations are thread-compatible (the drainer saves from one thread).

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/checkpoint/checkpoint.h"
#include "core/checkpoint/schema_snapshot_file.h"

namespace sluice::checkpoint {

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  // nullopt when no checkpoint was saved yet.
  virtual Result<std::optional<Checkpoint>> load() = 0;
  // Durable when it returns OK.
  virtual Status save(const Checkpoint& checkpoint) = 0;
  virtual std::string describe() const = 0;
};

// <dir>/savepoint (TOML, the original's format, also what binlogctl generate_meta writes) and
// <dir>/savepoint.schema.json (Sluice's schema snapshot). Each file is replaced atomically; the
// snapshot is written first, so a crash between the two leaves a snapshot at least as new as the
// savepoint, which the tracker's history makes harmless.
class FileCheckpointStore : public CheckpointStore {
 public:
  explicit FileCheckpointStore(std::filesystem::path directory)
      : directory_(std::move(directory)), snapshot_(snapshot_path_in(directory_)) {}
  Result<std::optional<Checkpoint>> load() override;
  Status save(const Checkpoint& checkpoint) override;
  std::string describe() const override;

  std::filesystem::path savepoint_path() const { return directory_ / "savepoint"; }
  std::filesystem::path snapshot_path() const { return snapshot_path_in(directory_); }
  static std::filesystem::path snapshot_path_in(const std::filesystem::path& directory) {
    return directory / "savepoint.schema.json";
  }

 private:
  std::filesystem::path directory_;
  SchemaSnapshotFile snapshot_;
};

}  // namespace sluice::checkpoint
