#pragma once
// Checkpoint: how far the drainer's sinks have made data durable, in the original's shapes:
// the savepoint TOML file (consistent, commitTS, schema-version) and the JSON stored in the
// tidb_binlog.checkpoint table ({"consistent", "commitTS", "ts-map", "schema-version"}).
// Sluice adds the schema snapshot, saved with every checkpoint so a restart needs no DDL history.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice::checkpoint {

struct TsMap {
  int64_t primary_ts = 0;    // upstream TSO
  int64_t secondary_ts = 0;  // the downstream TiDB's TSO at that point
  bool operator==(const TsMap&) const = default;
};

struct Checkpoint {
  bool consistent = false;  // true only after a clean stop or a relay-log replay
  int64_t commit_ts = 0;    // everything at or below is durable in every sink
  int64_t schema_version = 0;
  std::optional<TsMap> ts_map;
  std::string schema_snapshot;  // SchemaTracker::snapshot(); empty when none
  bool operator==(const Checkpoint&) const = default;
};

// The tidb_binlog.checkpoint table's JSON (the snapshot is not part of it).
std::string to_table_json(const Checkpoint& checkpoint);
Result<Checkpoint> from_table_json(std::string_view json_text);

// The savepoint TOML file (the snapshot is not part of it).
std::string to_savepoint_toml(const Checkpoint& checkpoint);
Result<Checkpoint> from_savepoint_toml(std::string_view text, const std::string& source_name);

}  // namespace sluice::checkpoint
