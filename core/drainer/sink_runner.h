#pragma once
// SinkRunner: drives one sink instance on its own thread, at its own pace, from a bounded queue
// of shared batches (back-pressure: submit() blocks while the queue is full, so memory stays
// bounded and a slow sink slows the merge instead of growing a backlog).
//
// Ordering and barriers: batches are written in queue order. A DDL batch is a barrier: the
// runner flushes (every earlier DML durable) before writing it, and flushes again right after.
// Otherwise it flushes whenever the queue runs dry, at most once per `idle_flush_delay` (so a
// steady trickle costs a bounded number of flushes and stays durable within that delay), and at
// least every `flush_interval` while the queue never runs dry.
//
// Watermark: commit_ts up to which this sink is durable for checkpoint purposes. Transactions the
// sink never sees (fake binlogs, filtered transactions) advance it through pass(): once every
// written transaction is durable, the watermark is the last commit_ts submitted or passed.
//
// Failures: SLUICE_RETRY answers are retried by the SinkInstance's policy and then, while the
// target stays unavailable, by this runner every `unavailable_backoff` until stop (logged each
// time): nothing is skipped. A rejected batch stops the runner unless `skip_rejected` (then it is
// logged with its commit_ts range and counted). A REJECTED flush means the sink skipped the
// transaction(s) its message names and kept the rest: with `skip_rejected` it is logged, counted
// and the flush asked again; without, the runner stops.
// Stop: request_stop() ends back-offs and waits at once; a call into the plugin cannot be
// interrupted (call_in_progress() names it). A fatal answer stops the runner; failure() then
// holds the plugin's message and the drainer stops with it.
// Thread-safety: submit/pass from one producer thread; the accessors from any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "core/common/result.h"
#include "core/drainer/drainer_metrics.h"
#include "core/drainer/transaction_batch.h"
#include "core/plugin_host/sink_instance.h"

namespace sluice::drainer {

struct SinkRunnerOptions {
  size_t queue_capacity = 16;  // batches
  // Payload bytes queued, at most (one batch always fits, however large).
  uint64_t queue_bytes = uint64_t{64} << 20;
  std::chrono::milliseconds flush_interval{1000};
  std::chrono::milliseconds idle_flush_delay{50};
  std::chrono::milliseconds unavailable_backoff{2000};
  bool skip_rejected = false;
};

class SinkRunner {
 public:
  SinkRunner(plugin_host::SinkInstance& sink, SinkRunnerOptions options,
             DrainerMetrics* metrics = nullptr);
  ~SinkRunner();
  SinkRunner(const SinkRunner&) = delete;
  SinkRunner& operator=(const SinkRunner&) = delete;

  // Opens the sink at the checkpoint and starts the thread.
  Status start(int64_t checkpoint_ts, bool unclean);

  // Queues a batch (blocks while the queue is full). False once the runner failed or stopped.
  bool submit(std::shared_ptr<const TransactionBatch> batch);
  // Everything up to `ts` went by with nothing for this sink.
  void pass(int64_t ts);

  // Finishes: with `drain`, writes and flushes what is queued first; then closes the sink and
  // joins the thread. Returns the first failure, kAborted when request_stop() cut a drain short
  // (what was queued is not durable), or the close status. Blocks for as long as a call into the
  // plugin does: a plugin stuck in a call holds it (see call_in_progress()).
  Status finish(bool drain);
  // Asks the thread to stop as soon as possible (without draining): a back-off between retries
  // ends at once and submit() returns false; finish() still joins.
  void request_stop();
  // "sink 'x' has been in write for 12.0 s" while a call into the plugin is under way.
  std::optional<std::string> call_in_progress() const;

  int64_t watermark() const;
  // The latest ts-map pair the sink reported (see sluice_host_api_t::report_ts_map).
  std::optional<std::pair<int64_t, int64_t>> ts_map() const { return sink_.ts_map(); }
  int64_t written_ts() const;
  size_t queued() const;
  std::optional<Status> failure() const;
  const std::string& name() const { return name_; }
  uint64_t transactions_written() const;

 private:
  using Item = std::variant<std::shared_ptr<const TransactionBatch>, int64_t>;

  void run();
  // Calls `op` until it succeeds, fails for good, or stop is requested.
  Status call_with_backoff(const char* what, const std::function<Status()>& op);
  Status write_batch(const TransactionBatch& batch);
  Status flush_now();
  void fail(Status status);
  void enter_call(const char* what);
  void leave_call();

  // A sink that rejects this many flushes in a row is failing, not rejecting data.
  static constexpr int kMaxConsecutiveRejections = 1000;

  plugin_host::SinkInstance& sink_;
  const SinkRunnerOptions options_;
  DrainerMetrics* metrics_;
  const std::string name_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> queue_;
  size_t queued_batches_ = 0;
  uint64_t queued_bytes_ = 0;
  bool stop_ = false;   // stop without draining
  bool drain_ = false;  // finish after the queue is empty
  std::optional<Status> failure_;
  int64_t written_ts_ = 0;  // last commit_ts written
  int64_t passed_ts_ = 0;   // last commit_ts written or passed, in queue order
  int64_t durable_seen_ = 0;
  uint64_t transactions_written_ = 0;
  bool dirty_ = false;             // written since the last flush
  bool abandoned_ = false;         // stopped with work queued or unflushed
  const char* in_call_ = nullptr;  // the plugin call under way ("write", "flush", ...)
  std::chrono::steady_clock::time_point call_started_;
  std::thread thread_;
};

}  // namespace sluice::drainer
