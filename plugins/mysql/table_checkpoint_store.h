#pragma once
// TableCheckpointStore: the drainer's checkpoint in the downstream database, as the original
// keeps it for mysql/tidb outputs: one row per cluster in `tidb_binlog`.`checkpoint`
// (checkpoint_table.h, the original's SQL and JSON), created when missing. The schema snapshot,
// which the original does not have, stays in <data-dir>/savepoint.schema.json. A lost connection
// is reopened at the next call; errors say which table on which server, never the password.
// Thread-compatible (the drainer saves from one thread).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/checkpoint/checkpoint_store.h"
#include "core/checkpoint/schema_snapshot_file.h"
#include "plugins/mysql/checkpoint_table.h"
#include "plugins/mysql/mysql_connection.h"

namespace sluice::mysql {

struct TableCheckpointOptions {
  ConnectionOptions connection;
  CheckpointLocation location;
  uint64_t cluster_id = 0;
  std::filesystem::path data_dir;  // where the schema snapshot goes
};

class TableCheckpointStore : public checkpoint::CheckpointStore {
 public:
  explicit TableCheckpointStore(TableCheckpointOptions options);
  Result<std::optional<checkpoint::Checkpoint>> load() override;
  Status save(const checkpoint::Checkpoint& checkpoint) override;
  std::string describe() const override;

 private:
  // A usable connection with the table in place.
  Result<MysqlConnection*> connection();
  Status failed(const sdk::Status& status, const char* what);

  TableCheckpointOptions options_;
  checkpoint::SchemaSnapshotFile snapshot_;
  std::unique_ptr<MysqlConnection> connection_;
};

}  // namespace sluice::mysql
