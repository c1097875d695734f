#include "plugins/mysql/loopback.h"

#include <strings.h>

#include <string>

namespace sluice::mysql {

namespace {

bool same_name(const std::string& a, const char* b) {
  return strcasecmp(a.c_str(), b) == 0;
}

bool has_channel(const std::vector<SqlValue>& values, size_t column, int64_t channel) {
  if (column >= values.size()) return false;
  if (const auto* i64 = std::get_if<int64_t>(&values[column])) return *i64 == channel;
  if (const auto* u64 = std::get_if<uint64_t>(&values[column])) {
    return channel >= 0 && *u64 == static_cast<uint64_t>(channel);
  }
  if (const auto* text = std::get_if<std::string>(&values[column])) {
    return *text == std::to_string(channel);
  }
  return false;
}

}  // namespace

sdk::Status loopback_open(MysqlConnection& connection, int64_t channel, size_t workers) {
  // The original's statements (facts §6, "Loopback").
  static constexpr const char* kCreate[] = {
      "CREATE DATABASE IF NOT EXISTS retl",
      "CREATE TABLE IF NOT EXISTS retl._drainer_repl_mark (id bigint not null, channel_id bigint "
      "not null DEFAULT 0, val bigint DEFAULT 0, channel_info varchar(64), PRIMARY KEY (id, "
      "channel_id))"};
  for (const char* sql : kCreate) {
    if (auto error = connection.execute(sql)) return status_of(*error, kLoopbackMarkTable);
  }
  for (size_t id = 0; id < workers; ++id) {
    if (auto error = connection.execute(
            "REPLACE INTO retl._drainer_repl_mark (id, channel_id, val, channel_info) "
            "VALUES (?, ?, 1, '')",
            {{static_cast<int64_t>(id)}, {channel}})) {
      return status_of(*error, kLoopbackMarkTable);
    }
  }
  return sdk::Status::ok();
}

sdk::Status loopback_close(MysqlConnection& connection, int64_t channel) {
  if (auto error = connection.execute("DELETE FROM retl._drainer_repl_mark WHERE channel_id = ?",
                                      {{channel}})) {
    return status_of(*error, kLoopbackMarkTable);
  }
  return sdk::Status::ok();
}

Statement loopback_mark_update(size_t id, int64_t channel) {
  return Statement{
      "UPDATE retl._drainer_repl_mark SET val = val + 1 WHERE id = ? AND channel_id = ? LIMIT 1",
      {{static_cast<int64_t>(id)}, {channel}}};
}

bool is_loopback_mark(const Dml& dml, int64_t channel) {
  const TableInfo& table = *dml.table;
  if (!same_name(table.schema, kLoopbackSchema) || !same_name(table.table, kLoopbackTable)) {
    return false;
  }
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (!same_name(table.columns[i].name, "channel_id")) continue;
    return has_channel(dml.new_values, i, channel) || has_channel(dml.old_values, i, channel);
  }
  return false;
}

}  // namespace sluice::mysql
