#pragma once
// SqlSink: the SQL sink shared by the "mysql" and "tidb" plugins (facts §6, "SQL sinks"): write()
// converts each transaction's rows and hands them to the DmlApplier's long-lived workers whenever
// txn-batch x worker-count x 3 rows are buffered (the original's threshold), without waiting for
// them; flush(), a DDL and close() are the only points that wait until everything is committed.
// The durable watermark is the commit_ts up to which everything written has committed downstream
// (reported by flush). Loopback control (loopback.h) and sync-mode 2 are applied here.
// Refused rows (the drainer's skip-rejected): an upstream transaction the server refuses is
// skipped alone (dml_applier.h), logged as an error with its commit_ts and counted
// (<prefix>_rejected_transactions_total); every other transaction taken is still applied. flush()
// answers REJECTED naming the skipped commit_ts once everything else has committed, without
// reporting a watermark, so a host that stops there keeps its checkpoint before them; the next
// flush() reports the watermark past them.
// Ownership: created and destroyed by the plugin entry (sdk); the host calls one method at a
// time; the applier's worker threads live inside.

#include <sluice/sdk/plugin.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "plugins/mysql/dml_applier.h"
#include "plugins/mysql/sink_config.h"

namespace sluice::mysql {

class SqlSink : public sdk::Sink {
 public:
  // `metric_prefix` names the metrics ("mysql_sink" -> mysql_sink_dmls_total, ...).
  SqlSink(sdk::Host host, SinkConfig config, const std::string& metric_prefix);

  sdk::Status open(const sdk::Resume& resume) override;
  // Buffers each transaction's rows and hands them to the workers past the apply threshold. A DDL
  // first waits for the rows before it; a refusal among those does not fail the write (a host
  // skips a REJECTED batch, the DDL with it) but is reported by the next flush().
  sdk::Status write(const sdk::Batch& batch) override;
  // Waits until everything taken has committed. OK: durable_ts = the last commit_ts taken.
  // REJECTED: transactions were refused and skipped since the last flush (each logged and
  // counted), everything else taken has committed; the message names each commit_ts and the
  // server's error, durable_ts is left alone, and the next flush() (nothing refused meanwhile) is
  // OK with the watermark past them. RETRY/FATAL: nothing new is durable.
  sdk::Status flush(int64_t& durable_ts) override;
  sdk::Status close() override;

 protected:
  // Called by flush() after everything up to `committed_ts` has committed downstream, with the
  // owner's connection. A failure here is logged by the caller and does not fail the flush.
  virtual void after_commit(MysqlConnection& connection, int64_t committed_ts) {
    (void)connection;
    (void)committed_ts;
  }

  sdk::Host host_;
  SinkConfig config_;
  DmlApplier applier_;

 private:
  // Waits until everything buffered is committed or refused; on success everything taken is
  // (refused transactions are logged, counted and added to rejection_report_).
  sdk::Status apply_pending();
  // Hands what is buffered to the workers without waiting for them.
  sdk::Status dispatch_pending();
  void count_applied();
  // Logs and counts each refused transaction; `report` is the applier's REJECTED message.
  void note_rejections(const std::vector<RejectedTransaction>& rejected, const std::string& report);
  sdk::Status apply_ddl_event(const sdk::Event& event);

  sdk::Metric dml_counter_;
  sdk::Metric ddl_counter_;
  sdk::Metric loopback_counter_;
  sdk::Metric rejected_counter_;
  size_t apply_threshold_ = 0;
  uint64_t counted_dmls_ = 0;  // applier_.applied_dmls() already added to dml_counter_
  int64_t taken_ts_ = 0;       // the last commit_ts buffered or applied
  int64_t committed_ts_ = 0;   // everything up to here is committed downstream (or refused)
  // (commit_ts, row changes) of each transaction handed to the applier since everything was last
  // committed, in commit order: tells a refused transaction's log line how much of it had run.
  std::vector<std::pair<int64_t, size_t>> taken_rows_;
  // Refusals logged but not yet answered by flush() with REJECTED.
  std::string rejection_report_;
};

}  // namespace sluice::mysql
