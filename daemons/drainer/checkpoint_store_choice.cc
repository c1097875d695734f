#include "daemons/drainer/checkpoint_store_choice.h"

#include <fmt/format.h>

#include <cstdlib>

#include "plugins/mysql/table_checkpoint_store.h"

namespace sluice::drainer {

namespace {

// "${NAME}" is read from the environment; anything else is the password itself.
Result<std::string> resolve_password(const std::string& value) {
  if (value.size() > 3 && value.starts_with("${") && value.ends_with("}")) {
    const std::string name = value.substr(2, value.size() - 3);
    const char* found = std::getenv(name.c_str());
    if (found == nullptr) {
      return Status::invalid_argument(fmt::format(
          "checkpoint.password names the environment variable {}, which is not set", name));
    }
    return std::string(found);
  }
  return value;
}

}  // namespace

Result<std::unique_ptr<checkpoint::CheckpointStore>> make_checkpoint_store(
    const DrainerConfig& config, uint64_t cluster_id) {
  const CheckpointSettings& settings = config.checkpoint;
  if (settings.type == "file") return std::unique_ptr<checkpoint::CheckpointStore>();
  mysql::TableCheckpointOptions options;
  options.connection.host = settings.host;
  options.connection.port = static_cast<uint16_t>(settings.port);
  options.connection.user = settings.user;
  SLUICE_ASSIGN_OR_RETURN(options.connection.password, resolve_password(settings.password));
  options.location.schema = settings.schema;
  options.location.table = settings.table;
  options.cluster_id = cluster_id;
  options.data_dir = config.data_dir;
  return std::unique_ptr<checkpoint::CheckpointStore>(
      std::make_unique<mysql::TableCheckpointStore>(std::move(options)));
}

}  // namespace sluice::drainer
