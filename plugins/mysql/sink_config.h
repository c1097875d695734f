#pragma once
// The mysql sink's configuration: the original's [syncer.to] keys for SQL targets plus the
// [syncer] loader keys the drainer copies in (docs/drainer.md). Parsing does no I/O; it throws
// sdk::ConfigError naming the key. Value type; any thread.

#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/mysql/dml_applier.h"

namespace sluice::mysql {

struct SinkConfig {
  ApplierOptions applier;
  bool sync_ddl = true;
  int64_t channel_id = 0;  // loopback control is on when applier.loopback_channel is set
};

// Session variables read from `params.<name>` ([syncer.to.params]). The plugin ABI cannot list a
// table's keys, so these names are probed; others are reported by the host as unread keys.
inline constexpr std::string_view kSessionParams[] = {
    "time_zone",         "foreign_key_checks",   "unique_checks",       "innodb_lock_wait_timeout",
    "lock_wait_timeout", "max_statement_time",   "net_read_timeout",    "net_write_timeout",
    "wait_timeout",      "character_set_client", "collation_connection"};

// `with_secret`: also resolve the password (never during validate).
SinkConfig parse_sink_config(const sdk::Config& config, bool with_secret);

// Go-style durations as the original's read-timeout takes them ("1m", "30s", "1m30s", "500ms",
// "2h"); nullopt when malformed.
std::optional<double> parse_duration_seconds(std::string_view text);

}  // namespace sluice::mysql
