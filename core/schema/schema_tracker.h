#pragma once
// SchemaTracker: table layouts over time, built by applying DDL jobs in schema-version order.
// Keeps every table's history, so a DML stamped with an older schema_version decodes with the
// layout of its time, and maps partition ids to their table. Snapshots to bytes (saved with the
// drainer's checkpoint) so a restart needs no DDL history. Not thread-safe: one owner thread.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema/table_info.h"

namespace sluice::schema {

struct TableAtVersion {
  int64_t logical_table_id = 0;  // the table's id (a partition maps to its table)
  std::string schema_name;
  std::shared_ptr<const TableInfo> table;
  int64_t version = 0;  // the schema version this layout took effect at
};

class SchemaTracker {
 public:
  // Applies a finished DDL job (state done or synced). A job whose schema version is at or below
  // the tracker's current version is a replay (after a restart from an older checkpoint) when it
  // is the job applied at that version: skipped, returns false. Any other job there is refused
  // (FailedPrecondition): schema versions only grow in one cluster, so it comes from a second
  // producer on the same cluster id (or one that started its counters again) and applying it
  // would rename or redefine tables under their rows. Versions older than what the tracker
  // remembers (kRememberedJobs) are taken as replays. Jobs that failed (schema version 0) are
  // skipped. Returns true when the job changed the schema.
  // `commit_ts`: of the binlog that carried the job (0 when unknown), which tells a replay of the
  // same binlog from another job that reuses a job id.
  Result<bool> apply(const DdlJob& job, int64_t commit_ts = 0);

  int64_t version() const { return version_; }

  // The layout of a physical table (or partition) id as of `schema_version`: the last layout that
  // took effect at or before it. NotFound "not found table id N" when the id was never seen;
  // NotFound when the table had been dropped by then.
  Result<TableAtVersion> find(int64_t physical_table_id, int64_t schema_version) const;
  // The latest layout, whatever the version.
  Result<TableAtVersion> find_latest(int64_t physical_table_id) const;

  std::optional<DbInfo> find_database(int64_t schema_id) const;
  // Name of the database and table for DDL messages; nullopt when unknown.
  std::optional<std::pair<std::string, std::string>> names_of(int64_t physical_table_id) const;

  // Serialises everything (JSON bytes); restore() rebuilds an equal tracker.
  std::string snapshot() const;
  static Result<SchemaTracker> restore(std::string_view bytes);

 private:
  struct Entry {
    int64_t version = 0;
    int64_t schema_id = 0;
    std::shared_ptr<const TableInfo> table;  // nullptr: dropped at `version`
  };
  struct Database {
    DbInfo info;
    bool dropped = false;
  };

  void put_table(int64_t version, int64_t schema_id, TableInfo table);
  void drop_table(int64_t version, int64_t table_id);
  const Entry* latest_entry(int64_t logical_table_id) const;
  int64_t logical_id(int64_t physical_table_id) const;
  Result<TableAtVersion> resolve(int64_t physical_table_id, const Entry& entry) const;

  std::map<int64_t, std::vector<Entry>> history_;  // logical table id -> entries by version
  std::map<int64_t, int64_t> partition_owner_;     // partition id -> logical table id
  std::map<int64_t, Database> databases_;
  int64_t version_ = 0;
  // The jobs applied at the latest versions, kept in snapshots, to tell a replay from a job going
  // backwards.
  struct AppliedJob {
    int64_t job_id = 0;
    int64_t commit_ts = 0;  // 0: unknown
  };
  static constexpr size_t kRememberedJobs = 4096;
  std::map<int64_t, AppliedJob> applied_jobs_;  // schema version -> job
};

}  // namespace sluice::schema
