#pragma once
// DmlApplier: applies DMLs to MySQL/MariaDB on `worker_count` long-lived worker threads, each with
// its own connection and queue of chunks (downstream transactions of up to `txn_batch` DMLs).
// Placement is causal (causality.h): DMLs sharing a key go to the same worker, in order; a DML
// whose keys join two groups waits until everything dispatched before it has committed. Workers
// never wait for each other otherwise: dispatch() hands buffered DMLs over and returns (blocking
// only while more than `max_in_flight` DMLs are queued), and only apply() waits until everything
// is committed (the host's flush, a DDL barrier, close). A chunk that fails with RETRY or FATAL
// stays at the head of its worker's queue and the worker stops until the next dispatch()/apply()
// resumes it, so a retry never applies a committed chunk twice; a chunk whose connection was lost
// mid-transaction (its COMMIT may or may not have happened) is replayed in safe mode (REPLACE,
// DELETE + REPLACE), which is idempotent.
// Refused rows (REJECTED: the server refuses a statement for its data, e.g. a duplicate key or a
// value too long in strict mode): the chunk is rolled back and run again as one downstream
// transaction per upstream transaction (Dml::commit_ts), in the chunk's order; an upstream
// transaction refused on its own is skipped and recorded (commit_ts, table, server message), the
// others commit, and the worker goes on. Rows of a recorded transaction that have not run yet (a
// transaction can span several chunks and workers) are dropped as well; rows of it that already
// committed in another chunk stay (RejectedTransaction::skipped_dmls tells how many were not
// applied). Nothing else is ever dropped: apply() reports the recorded transactions only once
// everything else has committed.
// Threads: the owner calls every public method from one thread; the workers run on threads the
// applier starts on the first dispatch and joins in close() or the destructor.

#include <sluice/sdk/plugin.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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
  // sync-mode = 2 (SyncPartialColumn): values of columns missing downstream are dropped, and a
  // chunk failing with "unknown column" re-reads the table's layout and runs again. The session
  // sql_mode loses STRICT_TRANS_TABLES (set connection.strip_strict_trans_tables as well).
  bool partial_columns = false;
  // loopback-control: every downstream transaction first bumps this channel's row of
  // retl._drainer_repl_mark (loopback.h), id = the worker's index.
  std::optional<int64_t> loopback_channel;
  // DMLs queued to workers and not yet committed before dispatch() waits; 0: twice the original's
  // apply threshold, txn-batch x worker-count x 6.
  size_t max_in_flight = 0;
};

// An upstream transaction a worker skipped because the server refused one of its statements.
struct RejectedTransaction {
  int64_t commit_ts = 0;
  // The refusal: the table, the statement (first 300 bytes, values are bound so none appear) and
  // the server's error number and message.
  std::string message;
  // Its DMLs not applied: those of the refused downstream transaction and those dropped after it.
  size_t skipped_dmls = 0;
};

class DmlApplier {
 public:
  explicit DmlApplier(ApplierOptions options);
  ~DmlApplier();
  DmlApplier(const DmlApplier&) = delete;
  DmlApplier& operator=(const DmlApplier&) = delete;

  // Buffers one DML (commit order).
  void add(Dml dml) { incoming_.push_back(std::move(dml)); }
  // DMLs buffered and not yet handed to a worker.
  size_t buffered() const { return incoming_.size() + (planned_.size() - next_); }
  // DMLs buffered, queued or running, not yet committed.
  size_t pending() const;
  // Hands everything buffered to the workers. Waits only while max_in_flight DMLs are queued or
  // for a causality barrier. Resumes workers stopped by an earlier failure. Returns a worker's
  // failure if one is stopped (FATAL > RETRY); what was not handed over stays buffered. Refused
  // transactions do not stop a worker and are reported by apply() only.
  sdk::Status dispatch();
  // dispatch(), then waits until everything is committed or skipped as refused.
  // OK: everything handed over is committed.
  // REJECTED with everything handed over committed except the upstream transactions the server
  // refused, which were skipped: the message names each commit_ts with its refusal, and
  // `rejected` (if given) receives them in commit_ts order. They are reported once: the record is
  // cleared, so the next apply() is OK unless something new is refused.
  // Otherwise (RETRY, FATAL, or a failed table-layout lookup) the first error by severity with the
  // server's message and the table; the rows not committed stay pending, and refusals recorded
  // so far wait for an apply() that gets everything committed.
  sdk::Status apply(std::vector<RejectedTransaction>* rejected = nullptr);
  // Stops the workers (a running chunk finishes first) and closes every connection. What is not
  // committed stays pending; a later dispatch() starts the workers again.
  void close();

  // The owner's own connection for other work (DDL, table layouts, checkpoints), separate from
  // the workers' and connected on demand. `worker` must be 0 (kept for source compatibility).
  // nullptr and `status` set when it cannot connect. Invalidate it with drop_connection(0) after
  // a lost connection.
  MysqlConnection* connection(size_t worker, sdk::Status& status);
  void drop_connection(size_t worker);

  // After a DDL applied downstream: forget what is cached about `table` of `schema`, or about
  // every table of `schema` when `table` is empty.
  void table_changed(const std::string& schema, const std::string& table);

  // Rows (DMLs) committed so far, for metrics. Any thread.
  uint64_t applied_dmls() const { return applied_dmls_; }
  // Worker connections (loopback mark rows are 0..workers()-1).
  size_t workers() const { return workers_.size(); }

 private:
  enum class ChunkFailure { kNone, kConnectionLost, kLockConflict, kUnknownColumn, kOther };
  // Deadlocks between workers are retried in place this many times before the worker stops with
  // RETRY (the original retries DML 100 times, 1 s apart; the host's back-off follows here).
  static constexpr int kLockConflictRetries = 20;
  // Consecutive inserts into one table go as one multi-row statement of up to this many rows.
  static constexpr size_t kMaxRowsPerStatement = 512;
  // Causality keys remembered before dispatch() waits for everything to commit and forgets them:
  // bounds memory when no conflict ever forces a barrier.
  static constexpr size_t kMaxCausalityKeys = 1 << 20;
  // Table-layout refreshes per apply() for "unknown column" (sync-mode 2) before giving up.
  static constexpr int kMaxLayoutRefreshes = 3;

  struct Worker {
    size_t index = 0;
    // Guarded by mutex_. The head chunk is the one running while `busy`; the owner only appends.
    std::deque<Chunk> queue;
    bool busy = false;
    // The last chunk may be run before it is full: set when dispatch() stops adding (its end, or
    // before it waits), cleared when a new chunk is started. A worker never takes a chunk that is
    // still filling, so it does not run one-row transactions while the owner is adding rows.
    bool tail_sealed = false;
    sdk::Status failure;        // not OK: stopped at the head chunk until resumed
    bool stale_layout = false;  // the failure was an unknown column (sync-mode 2)
    std::condition_variable wake;
    // Used by the worker thread only (by the owner while the threads are stopped).
    std::unique_ptr<MysqlConnection> connection;
    std::thread thread;
  };

  // Resolves each buffered DML's layout (owner's connection), merges, moves them to planned_.
  sdk::Status prepare();
  sdk::Status resolve(Dml& dml, const TableInfo*& last_upstream,
                      std::shared_ptr<const TableInfo>& last_resolved,
                      std::shared_ptr<const std::vector<size_t>>& last_keep);
  void start_workers();
  // Clears stopped workers' failures (re-resolving stale layouts first) and wakes them.
  // Requires `lock` held.
  sdk::Status resume(std::unique_lock<std::mutex>& lock);
  // Waits until every queue is empty, or a worker stopped and every other one is idle or empty.
  sdk::Status wait_all(std::unique_lock<std::mutex>& lock, int& refreshes);
  sdk::Status worst_failure() const;  // requires mutex_
  void seal_all();                    // requires mutex_
  void enqueue(size_t worker, Dml dml);
  void worker_loop(Worker& worker);
  // Drops the DMLs of `chunk` whose upstream transaction is recorded as refused (requires mutex_).
  void drop_rejected_rows(Chunk& chunk);
  // The worker's head chunk was refused with `status` (requires mutex_): a chunk of several
  // upstream transactions is replaced by one chunk per transaction; a chunk of one transaction is
  // dropped and the transaction recorded.
  void reject_head(Worker& worker, const sdk::Status& status);
  sdk::Status run_with_retries(Worker& worker, Chunk& chunk, bool& stale_layout);
  sdk::Status run_chunk(Worker& worker, const Chunk& chunk, ChunkFailure& failure);

  ApplierOptions options_;
  size_t max_in_flight_ = 0;
  std::vector<Dml> incoming_;
  std::vector<Dml> planned_;  // resolved (and merged); [next_, end) not yet dispatched
  size_t next_ = 0;
  std::optional<size_t> placed_worker_;  // planned_[next_] placed, waiting for a barrier or room
  bool barrier_ = false;                 // wait for everything before planned_[next_] to commit
  bool reset_after_barrier_ = false;     // and then forget the causality groups
  Dispatcher dispatcher_;
  std::unique_ptr<MysqlConnection> control_;
  DownstreamTables tables_;

  mutable std::mutex mutex_;
  std::condition_variable progress_;  // a chunk committed or a worker stopped
  std::vector<std::unique_ptr<Worker>> workers_;
  size_t in_flight_ = 0;  // DMLs queued to workers (running included); guarded by mutex_
  // Refused transactions not yet reported by apply(), in the order recorded; guarded by mutex_.
  std::vector<RejectedTransaction> rejected_;
  bool stop_ = false;     // guarded by mutex_
  bool started_ = false;  // owner thread only
  std::atomic<uint64_t> applied_dmls_{0};
};

}  // namespace sluice::mysql
