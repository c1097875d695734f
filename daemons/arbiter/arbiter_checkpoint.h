#pragma once
// The original arbiter's checkpoint table downstream (facts §8):
//   CREATE TABLE IF NOT EXISTS tidb_binlog.arbiter_checkpoint(
//       topic_name VARCHAR(255) PRIMARY KEY, ts BIGINT NOT NULL, status INT NOT NULL)
// one row per topic: every transaction with commit_ts <= ts is applied; status 0 (normal) is
// written at a clean stop, 1 (running) at start and with every save while running, so a row
// still "running" at start means the last run did not stop cleanly.
// Functions on one connection; thread-compatible.

#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <optional>
#include <string>

#include "plugins/mysql/mysql_connection.h"

namespace sluice::arbiter {

enum class CheckpointStatus : int { kNormal = 0, kRunning = 1 };

struct ArbiterCheckpoint {
  int64_t ts = 0;
  CheckpointStatus status = CheckpointStatus::kNormal;
};

// Creates the database tidb_binlog and the table when missing.
sdk::Status create_arbiter_checkpoint_table(mysql::MysqlConnection& connection);
// REPLACE INTO the topic's row.
sdk::Status save_arbiter_checkpoint(mysql::MysqlConnection& connection, const std::string& topic,
                                    const ArbiterCheckpoint& checkpoint);
// The topic's row; nullopt when there is none.
sdk::Status load_arbiter_checkpoint(mysql::MysqlConnection& connection, const std::string& topic,
                                    std::optional<ArbiterCheckpoint>& out);

}  // namespace sluice::arbiter
