#include "plugins/mysql/checkpoint_table.h"

#include "plugins/mysql/sql_render.h"

namespace sluice::mysql {

namespace {

std::string table_name(const CheckpointLocation& location) {
  return quote_identifier(location.schema) + "." + quote_identifier(location.table);
}

}  // namespace

sdk::Status create_checkpoint_table(MysqlConnection& connection,
                                    const CheckpointLocation& location) {
  const std::string schema = "create schema if not exists " + quote_identifier(location.schema);
  if (auto error = connection.execute(schema)) return status_of(*error, "checkpoint schema");
  const std::string table = "create table if not exists " + table_name(location) +
                            "(clusterID bigint unsigned primary key, checkPoint MEDIUMTEXT)";
  if (auto error = connection.execute(table)) return status_of(*error, "checkpoint table");
  return sdk::Status::ok();
}

sdk::Status write_checkpoint(MysqlConnection& connection, const CheckpointLocation& location,
                             uint64_t cluster_id, const checkpoint::Checkpoint& record) {
  const std::string sql = "replace into " + table_name(location) + " values(?, ?)";
  const BoundValues params{{cluster_id}, {checkpoint::to_table_json(record)}};
  if (auto error = connection.execute(sql, params)) return status_of(*error, "checkpoint save");
  return sdk::Status::ok();
}

sdk::Status read_checkpoint(MysqlConnection& connection, const CheckpointLocation& location,
                            std::optional<uint64_t> cluster_id, checkpoint::Checkpoint& record,
                            bool& found) {
  found = false;
  std::string sql = "select checkPoint from " + table_name(location);
  BoundValues params;
  if (cluster_id) {
    sql += " where clusterID = ?";
    params.emplace_back().value = *cluster_id;
  }
  std::vector<SqlRow> rows;
  if (auto error = connection.query(sql, params, rows)) {
    return status_of(*error, "checkpoint load");
  }
  if (rows.empty()) return sdk::Status::ok();
  if (rows.size() > 1) {
    return sdk::Status::fatal("checkpoint table " + location.schema + "." + location.table +
                              " holds " + std::to_string(rows.size()) +
                              " rows; give the cluster ID to choose one");
  }
  const auto& text = rows.front().front();
  auto parsed = checkpoint::from_table_json(text.value_or(""));
  if (!parsed.is_ok()) {
    return sdk::Status::fatal(
        "checkpoint table " + location.schema + "." + location.table +
        ": the checkPoint value is not the expected JSON: " + parsed.status().message());
  }
  record = std::move(parsed).value();
  found = true;
  return sdk::Status::ok();
}

}  // namespace sluice::mysql
