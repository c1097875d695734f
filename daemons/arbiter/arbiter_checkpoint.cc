#include "daemons/arbiter/arbiter_checkpoint.h"

#include <charconv>

namespace sluice::arbiter {

sdk::Status create_arbiter_checkpoint_table(mysql::MysqlConnection& connection) {
  if (auto error = connection.execute("CREATE DATABASE IF NOT EXISTS `tidb_binlog`")) {
    return mysql::status_of(*error, "database tidb_binlog");
  }
  if (auto error = connection.execute(
          "CREATE TABLE IF NOT EXISTS `tidb_binlog`.`arbiter_checkpoint` (topic_name "
          "VARCHAR(255) PRIMARY KEY, ts BIGINT NOT NULL, status INT NOT NULL)")) {
    return mysql::status_of(*error, "table tidb_binlog.arbiter_checkpoint");
  }
  return sdk::Status::ok();
}

sdk::Status save_arbiter_checkpoint(mysql::MysqlConnection& connection, const std::string& topic,
                                    const ArbiterCheckpoint& checkpoint) {
  const mysql::BoundValues params{
      {topic}, {checkpoint.ts}, {static_cast<int64_t>(checkpoint.status)}};
  if (auto error = connection.execute(
          "REPLACE INTO `tidb_binlog`.`arbiter_checkpoint` (topic_name, ts, status) VALUES "
          "(?, ?, ?)",
          params)) {
    return mysql::status_of(*error, "table tidb_binlog.arbiter_checkpoint");
  }
  return sdk::Status::ok();
}

sdk::Status load_arbiter_checkpoint(mysql::MysqlConnection& connection, const std::string& topic,
                                    std::optional<ArbiterCheckpoint>& out) {
  out.reset();
  std::vector<mysql::SqlRow> rows;
  const mysql::BoundValues params{{topic}};
  if (auto error = connection.query(
          "SELECT ts, status FROM `tidb_binlog`.`arbiter_checkpoint` WHERE topic_name = ?", params,
          rows)) {
    return mysql::status_of(*error, "table tidb_binlog.arbiter_checkpoint");
  }
  if (rows.empty()) return sdk::Status::ok();
  const mysql::SqlRow& row = rows.front();
  ArbiterCheckpoint checkpoint;
  int status = 0;
  auto parse = [](const std::optional<std::string>& text, auto& value) {
    if (!text) return false;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    return error == std::errc() && end == text->data() + text->size();
  };
  if (row.size() < 2 || !parse(row[0], checkpoint.ts) || !parse(row[1], status)) {
    return sdk::Status::fatal("tidb_binlog.arbiter_checkpoint: the row of topic '" + topic +
                              "' does not hold a number in ts and status");
  }
  checkpoint.status = status == 0 ? CheckpointStatus::kNormal : CheckpointStatus::kRunning;
  out = checkpoint;
  return sdk::Status::ok();
}

}  // namespace sluice::arbiter
