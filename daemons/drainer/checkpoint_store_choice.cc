#include "daemons/drainer/checkpoint_store_choice.h"

#include <fmt/format.h>

#include "core/config/secret_setting.h"
#include "plugins/mysql/table_checkpoint_store.h"

namespace sluice::drainer {

namespace {

Result<std::string> checkpoint_password(const CheckpointSettings& settings) {
  auto password = settings.encrypted_password.empty()
                      ? config::resolve_secret_text(settings.password)
                      : config::decrypt_with_environment_key(settings.encrypted_password);
  if (!password.is_ok()) {
    return Status::invalid_argument(
        fmt::format("checkpoint.{}: {}",
                    settings.encrypted_password.empty() ? "password" : "encrypted_password",
                    password.status().message()));
  }
  return password;
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
  SLUICE_ASSIGN_OR_RETURN(options.connection.password, checkpoint_password(settings));
  options.location.schema = settings.schema;
  options.location.table = settings.table;
  options.cluster_id = cluster_id;
  options.data_dir = config.data_dir;
  return std::unique_ptr<checkpoint::CheckpointStore>(
      std::make_unique<mysql::TableCheckpointStore>(std::move(options)));
}

}  // namespace sluice::drainer
