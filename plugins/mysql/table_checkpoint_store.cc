#include "plugins/mysql/table_checkpoint_store.h"

#include <fmt/format.h>

namespace sluice::mysql {

TableCheckpointStore::TableCheckpointStore(TableCheckpointOptions options)
    : options_(std::move(options)),
      snapshot_(checkpoint::FileCheckpointStore::snapshot_path_in(options_.data_dir)) {}

std::string TableCheckpointStore::describe() const {
  return fmt::format("table `{}`.`{}` on {}:{} (cluster {})", options_.location.schema,
                     options_.location.table, options_.connection.host, options_.connection.port,
                     options_.cluster_id);
}

Status TableCheckpointStore::failed(const sdk::Status& status, const char* what) {
  connection_.reset();  // reconnect at the next call
  const StatusCode code = status.code() == sdk::Code::kRetry ? StatusCode::kUnavailable
                                                             : StatusCode::kFailedPrecondition;
  return Status(code, fmt::format("checkpoint {} {}: {}", what, describe(), status.message()));
}

Result<MysqlConnection*> TableCheckpointStore::connection() {
  if (connection_) return connection_.get();
  SqlError error;
  auto connection = MysqlConnection::connect(options_.connection, error);
  if (!connection) {
    return Status::unavailable(fmt::format("checkpoint {}: cannot connect: {} (error {})",
                                           describe(), error.message, error.code));
  }
  sdk::Status created = create_checkpoint_table(*connection, options_.location);
  if (!created.is_ok()) return failed(created, "table");
  connection_ = std::move(connection);
  return connection_.get();
}

Result<std::optional<checkpoint::Checkpoint>> TableCheckpointStore::load() {
  SLUICE_ASSIGN_OR_RETURN(MysqlConnection * connection, connection());
  checkpoint::Checkpoint loaded;
  bool found = false;
  sdk::Status read =
      read_checkpoint(*connection, options_.location, options_.cluster_id, loaded, found);
  if (!read.is_ok()) return failed(read, "load from");
  if (!found) return std::optional<checkpoint::Checkpoint>();
  SLUICE_ASSIGN_OR_RETURN(loaded.schema_snapshot, snapshot_.load());
  return std::optional<checkpoint::Checkpoint>(std::move(loaded));
}

Status TableCheckpointStore::save(const checkpoint::Checkpoint& checkpoint) {
  SLUICE_RETURN_IF_ERROR(snapshot_.save(checkpoint.schema_snapshot));
  SLUICE_ASSIGN_OR_RETURN(MysqlConnection * connection, connection());
  sdk::Status written =
      write_checkpoint(*connection, options_.location, options_.cluster_id, checkpoint);
  if (!written.is_ok()) return failed(written, "save to");
  return Status::ok();
}

}  // namespace sluice::mysql
