#pragma once
// The load generator's workload: a cluster of SQL nodes emulated by worker threads, each running
// sysbench-shaped transactions (tables sbtest1..N: id bigint primary key, k int, c char, pad char)
// against an upstream MariaDB database and emitting the same transactions' binlogs to the pumps,
// so a downstream fed by a drainer can be compared with the upstream (sluice-sync-diff).
//
// Each transaction follows TiDB's order, which makes the binlog commit order equal MariaDB's for
// conflicting transactions: BEGIN; the DML (locking reads give the old rows, the row locks stay
// held); the P-binlog (start_ts); commit_ts from the TSO while the locks are still held; COMMIT;
// the C-binlog (on a failed COMMIT: ROLLBACK and the Rollback binlog). Every value is generated
// client-side with explicit ids, so the binlog carries exactly what MariaDB stored. DDL (add
// column, create table, add index) runs while no DML is in flight: applied in MariaDB, then its
// binlog.
//
// run_load() borrows the producer (its TSO and pump client) for the length of the call and opens
// its own MariaDB connections, one per worker. Call from one thread; `stop` may be set from any.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/tso/tso_source.h"
#include "plugins/mysql/mysql_connection.h"
#include "sdk/producer/producer.h"
#include "sdk/producer/pump_client.h"

namespace sluice::loadgen {

struct LoadOptions {
  mysql::ConnectionOptions mysql;
  std::string database = "sbtest";
  // Drop the database first when it exists; otherwise an existing database is an error (the
  // binlogs describe a database that starts empty).
  bool recreate = false;
  int threads = 4;
  int tables = 4;
  // Bytes of c + pad per row, split 2:1 as sysbench's char(120) + char(60) (each at most 255).
  int row_size = 180;
  int max_statements = 4;  // DML statements per transaction: 1..max
  double rate = 0;         // transactions per second over all threads; 0: unlimited
  // Stop after this many transactions (0: no limit) or this long (0: no limit); at least one.
  int64_t transactions = 0;
  std::chrono::milliseconds duration{0};
  // A DDL after every this many transactions (0: none), in turn: add column, create table, add
  // index.
  int64_t ddl_every = 0;
  uint64_t seed = 1;
  // Keep every committed transaction's timestamps in the report (for tests and checks).
  bool record = false;
  // Called about once a second, from a reporter thread run_load() starts and joins, while the
  // load runs.
  std::function<void(const struct LoadProgress&)> on_progress;
};

struct LoadProgress {
  double seconds = 0;
  int64_t committed = 0;
  int64_t rows = 0;
  int64_t rolled_back = 0;
  int64_t errors = 0;
};

struct CommittedTxn {
  int64_t start_ts = 0;
  int64_t commit_ts = 0;
  std::string table;
  int64_t inserts = 0;
  int64_t updates = 0;
  int64_t deletes = 0;
};

struct CommittedDdl {
  int64_t commit_ts = 0;
  std::string query;
};

struct LoadReport {
  double seconds = 0;
  int64_t committed = 0;    // DML transactions committed in MariaDB with their C-binlog
  int64_t rows = 0;         // rows they changed
  int64_t rolled_back = 0;  // refused by MariaDB (deadlock, lock timeout): nothing committed
  int64_t errors = 0;       // anything else that failed: pump errors, SQL errors
  int64_t ddls = 0;         // including the set-up: create database and tables
  // Committed in MariaDB but the C-binlog could not be written: the downstream will lack these.
  int64_t binlogs_lost = 0;
  std::vector<std::string> first_errors;  // up to 10 messages
  std::vector<CommittedTxn> commits;      // when LoadOptions::record, in no particular order
  std::vector<CommittedDdl> ddl_log;      // when LoadOptions::record, in commit order
};

// Checks the options (threads, tables, row size, limits), naming the bad one.
Status validate(const LoadOptions& options);

// Sets up the database and its tables (in MariaDB and as DDL binlogs), then runs the load until
// the transaction count or the duration is reached or `stop` becomes true. Errors in set-up
// (unreachable MariaDB, existing database, pumps refusing the first binlog) fail the call;
// errors during the load are counted in the report.
Result<LoadReport> run_load(const LoadOptions& options, tso::TsoSource& tso,
                            producer::PumpClient& pumps, const std::atomic<bool>* stop = nullptr);

// The sysbench-style text of `length` characters: groups of 11 digits joined by '-'.
std::string sysbench_text(uint64_t random, int length);

}  // namespace sluice::loadgen
