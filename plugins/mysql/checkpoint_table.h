#pragma once
// The original drainer's checkpoint table in the downstream database (facts §6, "Checkpoint"):
//   create schema if not exists tidb_binlog
//   create table if not exists tidb_binlog.checkpoint(clusterID bigint unsigned primary key,
//                                                     checkPoint MEDIUMTEXT)
//   replace into tidb_binlog.checkpoint values(<clusterID>, '<json>')
//   select checkPoint from tidb_binlog.checkpoint where clusterID = <id>
// with the JSON {"consistent", "commitTS", "ts-map": {"primary-ts", "secondary-ts"},
// "schema-version"}. Provided for the host to use; the mysql sink itself does not write it.
// Functions on one connection; thread-compatible.

#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <optional>
#include <string>

#include "plugins/mysql/mysql_connection.h"

namespace sluice::mysql {

struct CheckpointLocation {
  std::string schema = "tidb_binlog";
  std::string table = "checkpoint";
};

struct TsMap {
  int64_t primary_ts = 0;
  int64_t secondary_ts = 0;
};

struct CheckpointRecord {
  bool consistent = false;
  int64_t commit_ts = 0;
  std::optional<TsMap> ts_map;  // only when an AppliedTS was obtained (TiDB downstream)
  int64_t schema_version = 0;
};

// The JSON text the original stores, and its parser (fails on malformed text).
std::string checkpoint_to_json(const CheckpointRecord& record);
std::optional<CheckpointRecord> checkpoint_from_json(const std::string& text);

// Creates the schema and the table if missing.
sdk::Status create_checkpoint_table(MysqlConnection& connection,
                                    const CheckpointLocation& location);
// REPLACE INTO <table> VALUES(cluster_id, json).
sdk::Status write_checkpoint(MysqlConnection& connection, const CheckpointLocation& location,
                             uint64_t cluster_id, const CheckpointRecord& record);
// The record of `cluster_id`; without one (the relay path) the table's single row, an error when
// it has several. `found` is false when there is no row.
sdk::Status read_checkpoint(MysqlConnection& connection, const CheckpointLocation& location,
                            std::optional<uint64_t> cluster_id, CheckpointRecord& record,
                            bool& found);

}  // namespace sluice::mysql
