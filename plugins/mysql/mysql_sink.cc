// The "mysql" sink: applies transactions to MySQL/MariaDB as the original drainer's SQL loader
// does (facts §6): DMLs buffered, planned by causality into worker buckets, applied in downstream
// transactions of txn-batch rows on worker-count connections; DDL alone, after the DML before it
// is committed. The durable watermark is the commit_ts up to which everything written has
// committed downstream.
#include <sluice/sdk/plugin.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "plugins/mysql/ddl.h"
#include "plugins/mysql/dml_applier.h"
#include "plugins/mysql/event_conversion.h"
#include "plugins/mysql/sink_config.h"

namespace sluice::mysql {
namespace {

class MysqlSink : public sdk::Sink {
 public:
  static sdk::Status validate(const sdk::Config& config) {
    parse_sink_config(config, /*with_secret=*/false);
    return sdk::Status::ok();
  }

  MysqlSink(sdk::Host host, const sdk::Config& config)
      : host_(host),
        config_(parse_sink_config(config, /*with_secret=*/true)),
        applier_(config_.applier),
        dml_counter_(host.counter("mysql_sink_dmls_total", "Row changes committed downstream")),
        ddl_counter_(host.counter("mysql_sink_ddls_total", "DDL statements applied or skipped")) {
    const PlanOptions& plan = config_.applier.plan;
    // The original's batchManager threshold: txn-batch x worker-count x 3 DMLs.
    apply_threshold_ = plan.txn_batch * (plan.enable_dispatch ? plan.worker_count : 1) * 3;
  }

  sdk::Status open(const sdk::Resume& resume) override {
    taken_ts_ = std::max(taken_ts_, resume.checkpoint_ts);
    committed_ts_ = std::max(committed_ts_, resume.checkpoint_ts);
    sdk::Status status;
    applier_.connection(0, status);  // fail early on bad credentials or an unreachable server
    return status;
  }

  sdk::Status write(const sdk::Batch& batch) override {
    for (sdk::Transaction transaction : batch.transactions()) {
      // A batch sent again after RETRY: what was taken before is buffered or committed already.
      if (transaction.commit_ts() <= taken_ts_) continue;
      if (transaction.is_ddl()) {
        if (auto status = apply_pending(); !status.is_ok()) return status;
        for (sdk::Event event : transaction.events()) {
          if (event.type() != sdk::EventType::kDdl) continue;
          if (auto status = apply_ddl_event(event); !status.is_ok()) return status;
        }
        taken_ts_ = transaction.commit_ts();
        committed_ts_ = taken_ts_;
        continue;
      }
      std::vector<Dml> dmls;
      dmls.reserve(transaction.events().size());
      TableCache tables;
      for (sdk::Event event : transaction.events()) {
        if (event.type() == sdk::EventType::kDdl) {
          return sdk::Status::rejected("transaction " + std::to_string(transaction.commit_ts()) +
                                       " mixes DDL with rows but is not marked as DDL");
        }
        Dml& dml = dmls.emplace_back();
        if (auto status =
                to_dml(event, transaction.commit_ts(), transaction.safe_mode(), tables, dml);
            !status.is_ok()) {
          return status;
        }
      }
      for (Dml& dml : dmls)
        applier_.add(std::move(dml));
      taken_ts_ = transaction.commit_ts();
      if (applier_.pending() >= apply_threshold_) {
        if (auto status = apply_pending(); !status.is_ok()) return status;
      }
    }
    return sdk::Status::ok();
  }

  sdk::Status flush(int64_t& durable_ts) override {
    if (auto status = apply_pending(); !status.is_ok()) return status;
    durable_ts = std::max(durable_ts, committed_ts_);
    return sdk::Status::ok();
  }

  sdk::Status close() override {
    if (applier_.pending() > 0 && !host_.stop_requested()) {
      if (auto status = apply_pending(); !status.is_ok()) {
        host_.warn("closing with " + std::to_string(applier_.pending()) +
                   " row changes not applied (they are not reported durable): " + status.message());
      }
    }
    applier_.close();
    return sdk::Status::ok();
  }

 private:
  // Applies what is buffered; on success everything taken is committed downstream.
  sdk::Status apply_pending() {
    const uint64_t before = applier_.applied_dmls();
    sdk::Status status = applier_.apply();
    dml_counter_.add(static_cast<double>(applier_.applied_dmls() - before));
    if (status.is_ok()) {
      committed_ts_ = taken_ts_;
    } else if (status.code() == sdk::Code::kRejected) {
      // The host's dead-letter policy takes over these rows; keep nothing that would fail again.
      host_.error("dropping " + std::to_string(applier_.pending()) +
                  " pending row changes after a rejected statement");
      applier_.discard();
    }
    return status;
  }

  sdk::Status apply_ddl_event(const sdk::Event& event) {
    const std::string schema(event.schema_name());
    const std::string query(event.ddl_query());
    if (!config_.sync_ddl) {
      host_.info("sync-ddl is off: skipping DDL on " + schema + ": " + query);
      return sdk::Status::ok();
    }
    for (int attempt = 0;; ++attempt) {
      sdk::Status status;
      MysqlConnection* connection = applier_.connection(0, status);
      if (connection == nullptr) return status;
      DdlOutcome outcome = DdlOutcome::kApplied;
      std::string note;
      status = apply_ddl(*connection, schema, query, outcome, note);
      if (status.is_ok()) {
        // Cached downstream layouts of this database may be stale now. The whole database, not
        // just event.table_name(): RENAME TABLE and ALTER ... RENAME name two tables, and a miss
        // costs two information_schema queries.
        applier_.table_changed(schema, "");
        ddl_counter_.add();
        if (outcome == DdlOutcome::kIgnored) {
          host_.warn("DDL skipped, already in effect downstream (" + note + "): " + query);
        }
        return status;
      }
      if (status.code() != sdk::Code::kRetry) return status;
      applier_.drop_connection(0);
      // One immediate reconnect (a connection idle since the last batch may have timed out);
      // after that the host's back-off retries the whole batch.
      if (attempt >= 1) return status;
    }
  }

  sdk::Host host_;
  SinkConfig config_;
  DmlApplier applier_;
  sdk::Metric dml_counter_;
  sdk::Metric ddl_counter_;
  size_t apply_threshold_ = 0;
  int64_t taken_ts_ = 0;      // the last commit_ts buffered or applied
  int64_t committed_ts_ = 0;  // everything up to here is committed downstream
};

}  // namespace
}  // namespace sluice::mysql

SLUICE_SINK_PLUGIN(sluice::mysql::MysqlSink, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                   "Applies transactions to MySQL/MariaDB as SQL (the original drainer's loader)",
                   0)
