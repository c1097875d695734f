#pragma once
// DmlApplier: applies buffered DMLs to MySQL/MariaDB with `worker_count` connections in parallel,
// planned by causality (causality.h) into chunks of `txn_batch` DMLs, each chunk one downstream
// transaction. apply() returns only when every pending DML is committed, or with the first error;
// what committed is dropped from the plan and what did not stays for the next apply(), so a
// retry never applies a committed chunk twice. A chunk whose connection was lost mid-transaction
// (its COMMIT may or may not have happened) is replayed in safe mode (REPLACE, DELETE + REPLACE),
// which is idempotent.
// Threads: the owner calls add/apply/discard/close from one thread; apply() runs its workers on
// threads it starts and joins before returning.

#include <sluice/sdk/plugin.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "plugins/mysql/causality.h"
#include "plugins/mysql/dml.h"
#include "plugins/mysql/downstream_tables.h"
#include "plugins/mysql/mysql_connection.h"

namespace sluice::mysql {

struct ApplierOptions {
  ConnectionOptions connection;
  PlanOptions plan;
  // Key WHERE clauses and causality on the downstream table's keys (information_schema), rather
  // than on the keys the event carries.
  bool downstream_table_info = true;
  // [syncer.to] merge: collapse each batch by primary key into bulk DELETEs + bulk REPLACEs
  // (merge.h).
  bool merge = false;
};

class DmlApplier {
 public:
  explicit DmlApplier(ApplierOptions options);
  ~DmlApplier();
  DmlApplier(const DmlApplier&) = delete;
  DmlApplier& operator=(const DmlApplier&) = delete;

  // Buffers one DML (commit order).
  void add(Dml dml) { incoming_.push_back(std::move(dml)); }
  // DMLs buffered or planned and not yet committed.
  size_t pending() const;
  // Applies everything pending. OK: all committed. Otherwise the first error by severity
  // (FATAL > REJECTED > RETRY) with the server's message and the table.
  sdk::Status apply();
  // Drops everything pending (after a REJECTED batch).
  void discard();
  // Closes every connection.
  void close();

  // A connection for other work (DDL, checkpoints): worker 0's, connected on demand. nullptr and
  // `status` set when it cannot connect. Invalidate it with drop_connection(0) after a lost
  // connection.
  MysqlConnection* connection(size_t worker, sdk::Status& status);
  void drop_connection(size_t worker);

  // After a DDL applied downstream: forget what is cached about `table` of `schema`, or about
  // every table of `schema` when `table` is empty.
  void table_changed(const std::string& schema, const std::string& table);

  // Rows (DMLs) committed so far, for metrics.
  uint64_t applied_dmls() const { return applied_dmls_; }

 private:
  enum class ChunkFailure { kNone, kConnectionLost, kLockConflict, kOther };
  // Deadlocks between workers are retried in place this many times before apply() gives up
  // with RETRY (the original retries DML 100 times, 1 s apart; the host's back-off follows here).
  static constexpr int kLockConflictRetries = 20;
  // Consecutive inserts into one table go as one multi-row statement of up to this many rows.
  static constexpr size_t kMaxRowsPerStatement = 512;

  // Replaces each incoming DML's layout by the downstream-resolved one (worker 0's connection).
  sdk::Status resolve_tables();
  sdk::Status run_bucket(size_t worker, std::deque<Chunk>& bucket);
  sdk::Status run_chunk(MysqlConnection& connection, const Chunk& chunk, ChunkFailure& failure);

  ApplierOptions options_;
  std::vector<Dml> incoming_;
  std::deque<Round> rounds_;
  std::vector<std::unique_ptr<MysqlConnection>> connections_;
  DownstreamTables tables_;
  std::atomic<uint64_t> applied_dmls_{0};
};

}  // namespace sluice::mysql
