#pragma once
// Loopback control for bi-directional replication (facts §6, "Loopback"), as the original drainer
// does it with `loopback-control = true` and a `channel-id`:
//   - downstream, retl._drainer_repl_mark holds one row per worker for the channel; every
//     downstream transaction first bumps its worker's row, so the changes this drainer writes
//     carry a mark DML in the downstream cluster's own binlog;
//   - upstream, a transaction that contains a DML on that table for this channel came from this
//     drainer's peer replicating back, and is dropped.
// Free functions over a connection the caller owns; thread-compatible.

#include <sluice/sdk/plugin.h>

#include <cstddef>
#include <cstdint>

#include "plugins/mysql/dml.h"
#include "plugins/mysql/mysql_connection.h"
#include "plugins/mysql/sql_render.h"

namespace sluice::mysql {

inline constexpr const char* kLoopbackSchema = "retl";
inline constexpr const char* kLoopbackTable = "_drainer_repl_mark";
inline constexpr const char* kLoopbackMarkTable = "retl._drainer_repl_mark";

// Creates retl and the mark table when missing and REPLACEs rows id = 0..workers-1 of `channel`
// (val = 1, channel_info = '').
sdk::Status loopback_open(MysqlConnection& connection, int64_t channel, size_t workers);
// Deletes the channel's rows.
sdk::Status loopback_close(MysqlConnection& connection, int64_t channel);
// `update retl._drainer_repl_mark set val=val+1 where id=? and channel_id=? limit 1`.
Statement loopback_mark_update(size_t id, int64_t channel);
// True when `dml` changes the mark table's row of `channel` (its new or old channel_id).
bool is_loopback_mark(const Dml& dml, int64_t channel);

}  // namespace sluice::mysql
