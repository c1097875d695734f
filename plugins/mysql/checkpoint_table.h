#pragma once
// The original drainer's checkpoint table in the downstream database (facts §6, "Checkpoint"):
//   create schema if not exists tidb_binlog
//   create table if not exists tidb_binlog.checkpoint(clusterID bigint unsigned primary key,
//                                                     checkPoint MEDIUMTEXT)
//   replace into tidb_binlog.checkpoint values(<clusterID>, '<json>')
//   select checkPoint from tidb_binlog.checkpoint where clusterID = <id>
// with the JSON {"consistent", "commitTS", "ts-map": {"primary-ts", "secondary-ts"},
// "schema-version"} (core/checkpoint's table JSON). The drainer's TableCheckpointStore uses
// these; the mysql sink itself does not write the table.
// Functions on one connection; thread-compatible.

#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/checkpoint/checkpoint.h"
#include "plugins/mysql/mysql_connection.h"

namespace sluice::mysql {

struct CheckpointLocation {
  std::string schema = "tidb_binlog";
  std::string table = "checkpoint";
};

// Creates the schema and the table if missing.
sdk::Status create_checkpoint_table(MysqlConnection& connection,
                                    const CheckpointLocation& location);
// REPLACE INTO <table> VALUES(cluster_id, json).
sdk::Status write_checkpoint(MysqlConnection& connection, const CheckpointLocation& location,
                             uint64_t cluster_id, const checkpoint::Checkpoint& record);
// The record of `cluster_id`; without one (the relay path) the table's single row, an error when
// it has several. `found` is false when there is no row.
sdk::Status read_checkpoint(MysqlConnection& connection, const CheckpointLocation& location,
                            std::optional<uint64_t> cluster_id, checkpoint::Checkpoint& record,
                            bool& found);

}  // namespace sluice::mysql
