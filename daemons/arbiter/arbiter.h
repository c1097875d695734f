#pragma once
// Arbiter: reads the Kafka sink's topic (secondary binlogs, partition 0) and applies it to
// MySQL/MariaDB/TiDB through the mysql sink's loader (plugins/mysql: DmlApplier, apply_ddl), as
// the original arbiter does (facts §8):
//   - position: tidb_binlog.arbiter_checkpoint (arbiter_checkpoint.h); without a row, from
//     [up] initial-commit-ts. The Kafka offset is found by commit_ts (KafkaSource::offset_after);
//     transactions at or below the applied commit_ts are skipped (repeats of the at-least-once
//     producer).
//   - a row still "running" at start means the last run stopped uncleanly: the first
//     kRecoverySafeMode of applying is in safe mode (REPLACE, DELETE + REPLACE), so what was
//     applied after the saved ts is applied again harmlessly.
//   - split transactions are reassembled (PartAssembler) and applied whole, in topic order;
//     DDL after every earlier row is committed, one at a time.
//   - the checkpoint is saved (status running) after every successful apply, and with status
//     normal at a clean stop.
// Threads: run() on one thread; stop(), checkpoint_ts() and safe_mode() from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/common/result.h"
#include "core/drainer/relay_record_decoder.h"
#include "core/metrics/metrics_registry.h"
#include "daemons/arbiter/arbiter_checkpoint.h"
#include "daemons/arbiter/arbiter_config.h"
#include "daemons/arbiter/kafka_source.h"
#include "daemons/arbiter/part_assembler.h"
#include "plugins/mysql/dml_applier.h"

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace sluice::arbiter {

class Arbiter {
 public:
  // The original's safe-mode period after an unclean stop.
  static constexpr std::chrono::minutes kRecoverySafeMode{5};
  // Back-off between attempts while the downstream or Kafka does not answer.
  static constexpr std::chrono::milliseconds kMinBackoff{500};
  static constexpr std::chrono::milliseconds kMaxBackoff{10000};

  // `config` and `metrics` must outlive the arbiter.
  Arbiter(const ArbiterConfig& config, metrics::MetricsRegistry& metrics);
  ~Arbiter();
  Arbiter(const Arbiter&) = delete;
  Arbiter& operator=(const Arbiter&) = delete;

  // Runs until stop() (then saves status normal and returns OK) or a failure that retrying
  // cannot cure (bad credentials, a message that is not a secondary binlog, a statement the
  // downstream refuses), which it returns with the offset or commit_ts named.
  Status run();
  void stop() { stopping_.store(true); }

  int64_t checkpoint_ts() const { return checkpoint_ts_.load(); }
  bool in_safe_mode() const;

 private:
  // Waits for the downstream, creates the table, reads the checkpoint, marks it running.
  Status open_downstream();
  Status handle(const AssembledTransaction& transaction);
  Status apply_ddl(const drainer::DrainerTransaction& transaction);
  // Commits everything buffered (retrying while the downstream is away) and saves the
  // checkpoint at the last transaction taken.
  Status flush(CheckpointStatus status);
  // Runs `attempt` until it succeeds, fails for good, or stop() while retrying.
  template <typename Attempt>
  Status retry(const char* what, Attempt&& attempt);
  Status save(CheckpointStatus status);
  bool stopping() const { return stopping_.load(); }

  const ArbiterConfig& config_;
  mysql::DmlApplier applier_;
  drainer::RelayRecordDecoder decoder_;
  PartAssembler assembler_;
  size_t apply_threshold_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> checkpoint_ts_{0};
  std::atomic<int64_t> safe_mode_until_ns_{0};  // steady_clock; 0: no recovery period
  int64_t taken_ts_ = 0;                        // the last commit_ts buffered or applied
  int64_t saved_ts_ = -1;                       // what the checkpoint row holds
  prometheus::Gauge* checkpoint_gauge_ = nullptr;
  prometheus::Counter* insert_events_ = nullptr;
  prometheus::Counter* update_events_ = nullptr;
  prometheus::Counter* delete_events_ = nullptr;
  prometheus::Counter* ddl_events_ = nullptr;
  prometheus::Counter* skipped_messages_ = nullptr;
};

}  // namespace sluice::arbiter
