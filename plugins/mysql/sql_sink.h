#pragma once
// SqlSink: the SQL sink shared by the "mysql" and "tidb" plugins (facts §6, "SQL sinks"): write()
// converts each transaction's rows and hands them to the DmlApplier's long-lived workers whenever
// txn-batch x worker-count x 3 rows are buffered (the original's threshold), without waiting for
// them; flush(), a DDL and close() are the only points that wait until everything is committed.
// The durable watermark is the commit_ts up to which everything written has committed downstream
// (reported by flush). Loopback control (loopback.h) and sync-mode 2 are applied here.
// Ownership: created and destroyed by the plugin entry (sdk); the host calls one method at a
// time; the applier's worker threads live inside.

#include <sluice/sdk/plugin.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/mysql/dml_applier.h"
#include "plugins/mysql/sink_config.h"

namespace sluice::mysql {

class SqlSink : public sdk::Sink {
 public:
  // `metric_prefix` names the metrics ("mysql_sink" -> mysql_sink_dmls_total, ...).
  SqlSink(sdk::Host host, SinkConfig config, const std::string& metric_prefix);

  sdk::Status open(const sdk::Resume& resume) override;
  sdk::Status write(const sdk::Batch& batch) override;
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
  // Waits until everything buffered is committed; on success everything taken is.
  sdk::Status apply_pending();
  // Hands what is buffered to the workers without waiting for them.
  sdk::Status dispatch_pending();
  sdk::Status after_failure(sdk::Status status);
  sdk::Status apply_ddl_event(const sdk::Event& event);

  sdk::Metric dml_counter_;
  sdk::Metric ddl_counter_;
  sdk::Metric loopback_counter_;
  size_t apply_threshold_ = 0;
  uint64_t counted_dmls_ = 0;  // applier_.applied_dmls() already added to dml_counter_
  int64_t taken_ts_ = 0;       // the last commit_ts buffered or applied
  int64_t committed_ts_ = 0;   // everything up to here is committed downstream
};

}  // namespace sluice::mysql
