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
#include "plugins/mysql/mysql_connection.h"

namespace sluice::mysql {

struct ApplierOptions {
  ConnectionOptions connection;
  PlanOptions plan;
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

  // Rows (DMLs) committed so far, for metrics.
  uint64_t applied_dmls() const { return applied_dmls_; }

 private:
  enum class ChunkFailure { kNone, kConnectionLost, kLockConflict, kOther };
  // Deadlocks between workers are retried in place this many times before apply() gives up
  // with RETRY (the original retries DML 100 times, 1 s apart; the host's back-off follows here).
  static constexpr int kLockConflictRetries = 20;

  sdk::Status run_bucket(size_t worker, std::deque<Chunk>& bucket);
  sdk::Status run_chunk(MysqlConnection& connection, const Chunk& chunk, ChunkFailure& failure);

  ApplierOptions options_;
  std::vector<Dml> incoming_;
  std::deque<Round> rounds_;
  std::vector<std::unique_ptr<MysqlConnection>> connections_;
  std::atomic<uint64_t> applied_dmls_{0};
};

}  // namespace sluice::mysql
