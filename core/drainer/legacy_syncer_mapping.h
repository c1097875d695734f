#pragma once
// An original drainer.toml names its one output with `[syncer] db-type` and configures it in
// `[syncer.to]`; Sluice runs outputs as plugins ([[sink]] entries). map_legacy_syncer rewrites
// the first into the second so such a file works unchanged:
//   db-type mysql | tidb | kafka | file (alias pb)  ->  [[sink]] name = plugin = that type
//                                                        ("file" for pb), config = [syncer.to]
//   mysql/tidb: the [syncer] keys the SQL loader reads (txn-batch, worker-count,
//     enable-dispatch, enable-detect, disable-dispatch, disable-detect, sql-mode, sync-ddl,
//     loopback-control, channel-id) are copied into the sink's config unless [syncer.to] sets
//     them, and the checkpoint goes to the downstream's tidb_binlog.checkpoint table: a
//     top-level [checkpoint] with type = the db-type, the connection of [syncer.to], and
//     [syncer.to.checkpoint] on top (type, schema, table, host, ...); file: `dir` defaults to
//     data-dir, as in the original.
//   the table filter keys (ignore-schemas, replicate-do-db, [[syncer.replicate-do-table]],
//     [[syncer.ignore-table]], case-sensitive, binlog-filter-rule, table-migrate-rule) ->
//     [[filter]] name = "syncer-filter", plugin = "table-filter", with those keys as its config;
//     always added for a legacy file, since ignore-schemas has a default.
// A file that has [[sink]] entries is left alone (its [syncer] may still carry drainer-level
// keys such as safe-mode). db-type oracle and flash are refused with the reason. Copied values
// keep their source lines, so plugin errors still point into the operator's file.

#include <string>
#include <vector>

#include <toml.hpp>

#include "core/common/result.h"

namespace sluice::drainer {

struct LegacyMapping {
  bool applied = false;
  std::string db_type;      // as written ("pb" stays "pb")
  std::string sink_plugin;  // the plugin it became
};

Result<LegacyMapping> map_legacy_syncer(toml::value& root, const std::string& data_dir,
                                        const std::string& source_name);

// The plugin an original db-type runs as; InvalidArgument for types Sluice does not run.
Result<std::string> sink_plugin_for_db_type(const std::string& db_type);

}  // namespace sluice::drainer
