#include "core/checkpoint/schema_snapshot_file.h"

#include <fmt/format.h>

#include "core/common/atomic_file.h"

namespace sluice::checkpoint {

Result<std::string> SchemaSnapshotFile::load() {
  auto text = read_file(path_);
  if (!text.is_ok()) {
    if (text.status().code() == StatusCode::kNotFound) return std::string();
    return text.status();
  }
  last_ = *text;
  return std::move(text).value();
}

Status SchemaSnapshotFile::save(const std::string& snapshot) {
  if (snapshot.empty() || snapshot == last_) return Status::ok();
  std::error_code error;
  std::filesystem::create_directories(path_.parent_path(), error);
  if (error) {
    return Status::io_error(
        fmt::format("checkpoint directory {}: {}", path_.parent_path().string(), error.message()));
  }
  SLUICE_RETURN_IF_ERROR(write_file_atomically(path_, snapshot));
  last_ = snapshot;
  return Status::ok();
}

}  // namespace sluice::checkpoint
