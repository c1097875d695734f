#include "core/checkpoint/checkpoint_store.h"

#include <fmt/format.h>

#include "core/common/atomic_file.h"

namespace sluice::checkpoint {

Result<std::optional<Checkpoint>> FileCheckpointStore::load() {
  auto text = read_file(savepoint_path());
  if (!text.is_ok()) {
    if (text.status().code() == StatusCode::kNotFound) return std::optional<Checkpoint>();
    return text.status();
  }
  SLUICE_ASSIGN_OR_RETURN(Checkpoint checkpoint,
                          from_savepoint_toml(*text, savepoint_path().string()));
  SLUICE_ASSIGN_OR_RETURN(checkpoint.schema_snapshot, snapshot_.load());
  return std::optional<Checkpoint>(std::move(checkpoint));
}

Status FileCheckpointStore::save(const Checkpoint& checkpoint) {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) {
    return Status::io_error(
        fmt::format("checkpoint directory {}: {}", directory_.string(), error.message()));
  }
  SLUICE_RETURN_IF_ERROR(snapshot_.save(checkpoint.schema_snapshot));
  return write_file_atomically(savepoint_path(), to_savepoint_toml(checkpoint));
}

std::string FileCheckpointStore::describe() const {
  return "file " + savepoint_path().string();
}

}  // namespace sluice::checkpoint
