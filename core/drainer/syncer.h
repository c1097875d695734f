#pragma once
// Syncer: the drainer's main loop (facts §6 "Syncer"), on its own thread:
//   merge -> assemble (decode, schema) -> batch -> filters -> every sink's runner
// and the checkpoint: every `checkpoint_interval` and right after each DDL is durable everywhere,
// it saves min(sink watermarks) with the schema snapshot; on a clean finish it saves with
// consistent = true.
//
// Batching: consecutive DML transactions travel together (up to `batch_max_transactions` or
// `batch_max_bytes`), and a batch goes out as soon as the merge has nothing more ready, so an idle
// pipeline adds no delay. A DDL always travels alone (the runners make it a barrier). Fake
// binlogs, skipped binlogs and transactions the filters emptied never reach a sink; they advance
// every sink's watermark in order (SinkRunner::pass), so the checkpoint moves while idle.
//
// Safe mode: every transaction carries SLUICE_TXN_SAFE_MODE while `safe_mode` is set or until
// `safe_mode_until` (5 minutes after an unclean restart, as the original).
//
// Relay log: with options.relay set, each batch (after the filters) is written to it and
// fsync'd before it is submitted to any sink; a relay write failure ends the loop.
//
// Errors (a malformed binlog, an unknown table, a sink or filter that failed) end the loop;
// failure() holds the cause and the checkpoint is not moved past it. A failed checkpoint save does
// not: it is logged, counted (binlog_drainer_error_count{type="save_checkpoint"}) and retried
// with back-off (1 s doubling to 30 s) while replication goes on.
// Ownership: borrows the merger, filters, runners and store; owns the tracker and assembler.
// Thread-safety: start/stop/finish from one controlling thread; the accessors from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/checkpoint/checkpoint_store.h"
#include "core/common/result.h"
#include "core/drainer/ddl_job_source.h"
#include "core/drainer/drainer_metrics.h"
#include "core/drainer/relay_log_writer.h"
#include "core/drainer/sink_runner.h"
#include "core/drainer/transaction_assembler.h"
#include "core/drainer/transaction_batch.h"
#include "core/merge/merger.h"
#include "core/plugin_host/filter_instance.h"
#include "core/schema/schema_tracker.h"

namespace sluice::drainer {

struct SyncerOptions {
  size_t batch_max_transactions = 512;
  size_t batch_max_bytes = 8 << 20;
  std::chrono::milliseconds checkpoint_interval{3000};
  bool safe_mode = false;
  std::chrono::steady_clock::time_point safe_mode_until{};
  std::set<int64_t> ignore_txn_commit_ts;
  // The relay log (borrowed; null when disabled): every batch is written and fsync'd there
  // before any sink sees it, and files are purged as the checkpoint passes them.
  RelayLogWriter* relay = nullptr;
};

struct SyncerStats {
  int64_t merged_ts = 0;      // last commit_ts out of the merge
  int64_t checkpoint_ts = 0;  // last saved
  int64_t schema_version = 0;
  uint64_t binlogs = 0;       // merged, fake ones included
  uint64_t transactions = 0;  // delivered to the sinks
  uint64_t events = 0;
  uint64_t ddls = 0;
  uint64_t skipped = 0;                                   // fake, ignored, filtered out
  std::chrono::system_clock::time_point last_delivery{};  // when a transaction last went out
};

class Syncer {
 public:
  Syncer(merge::Merger& merger, std::vector<plugin_host::FilterInstance*> filters,
         std::vector<SinkRunner*> runners, checkpoint::CheckpointStore& store,
         schema::SchemaTracker tracker, std::unique_ptr<DdlJobSource> job_source,
         checkpoint::Checkpoint start, SyncerOptions options, DrainerMetrics* metrics = nullptr);
  ~Syncer();
  Syncer(const Syncer&) = delete;
  Syncer& operator=(const Syncer&) = delete;

  void start();
  // Ends the loop; with `clean`, delivers the batch in hand, drains and flushes every sink and
  // saves the checkpoint with consistent = true (unless something failed). Returns the failure,
  // if any. Idempotent.
  Status finish(bool clean);

  // Set once the loop ended on an error.
  std::optional<Status> failure() const;
  bool ended() const { return ended_.load(); }
  // Blocks until the loop ends or the timeout passes; true when it ended.
  bool wait_ended(std::chrono::milliseconds timeout) const;
  SyncerStats stats() const;
  // Asks the syncer to save a checkpoint soon (e.g. after Notify-driven changes). Thread-safe.
  void request_checkpoint();

 private:
  void run();
  Status step(std::optional<merge::MergeItem> item);
  Status add_transaction(std::unique_ptr<DrainerTransaction> transaction);
  Status dispatch_pending();
  Status dispatch(std::unique_ptr<TransactionBatch> batch);
  void pass_all(int64_t ts);
  Status check_runners() const;
  int64_t min_watermark() const;
  Status maybe_checkpoint(bool force);
  Status save_checkpoint(int64_t ts, bool consistent);
  const std::string& snapshot();
  uint32_t transaction_flags() const;
  void count_events(const TransactionBatch& batch);

  merge::Merger& merger_;
  std::vector<plugin_host::FilterInstance*> filters_;
  std::vector<SinkRunner*> runners_;
  checkpoint::CheckpointStore& store_;
  schema::SchemaTracker tracker_;
  std::unique_ptr<DdlJobSource> job_source_;
  TransactionAssembler assembler_;
  const SyncerOptions options_;
  DrainerMetrics* metrics_;

  // Syncer thread only.
  std::unique_ptr<TransactionBatch> pending_;
  int64_t pending_pass_ts_ = 0;  // passed after the pending batch goes out
  uint64_t next_position_ = 1;
  int64_t ddl_waiting_ts_ = 0;  // a DDL went out: checkpoint as soon as every sink has it
  std::chrono::steady_clock::time_point last_checkpoint_;
  int64_t snapshot_version_ = -1;
  std::string snapshot_;
  std::vector<uint8_t> keep_;
  checkpoint::Checkpoint last_saved_;
  int save_failures_ = 0;  // consecutive failed saves
  std::chrono::steady_clock::time_point retry_save_at_;
  static constexpr std::chrono::milliseconds kFirstSaveBackoff{1000};
  static constexpr std::chrono::milliseconds kMaxSaveBackoff{30000};
  static constexpr int kFinalSaveAttempts = 3;

  mutable std::mutex mutex_;
  mutable std::condition_variable ended_cv_;
  SyncerStats stats_;
  std::optional<Status> failure_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  std::atomic<bool> checkpoint_requested_{false};
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace sluice::drainer
