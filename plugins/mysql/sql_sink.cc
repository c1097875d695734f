#include "plugins/mysql/sql_sink.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "plugins/mysql/ddl.h"
#include "plugins/mysql/event_conversion.h"
#include "plugins/mysql/loopback.h"

namespace sluice::mysql {

SqlSink::SqlSink(sdk::Host host, SinkConfig config, const std::string& metric_prefix)
    : host_(host),
      config_(std::move(config)),
      applier_(config_.applier),
      dml_counter_(host.counter(metric_prefix + "_dmls_total", "Row changes committed downstream")),
      ddl_counter_(
          host.counter(metric_prefix + "_ddls_total", "DDL statements applied or skipped")),
      loopback_counter_(host.counter(metric_prefix + "_loopback_skipped_total",
                                     "Upstream transactions dropped as this channel's own "
                                     "loopback (retl._drainer_repl_mark)")),
      rejected_counter_(host.counter(metric_prefix + "_rejected_transactions_total",
                                     "Upstream transactions refused downstream and skipped (each "
                                     "logged with its commit_ts)")) {
  const PlanOptions& plan = config_.applier.plan;
  // The original's batchManager threshold: txn-batch x worker-count x 3 DMLs.
  apply_threshold_ = plan.txn_batch * (plan.enable_dispatch ? plan.worker_count : 1) * 3;
}

sdk::Status SqlSink::open(const sdk::Resume& resume) {
  taken_ts_ = std::max(taken_ts_, resume.checkpoint_ts);
  committed_ts_ = std::max(committed_ts_, resume.checkpoint_ts);
  sdk::Status status;
  // Fail early on bad credentials or an unreachable server.
  MysqlConnection* connection = applier_.connection(0, status);
  if (connection == nullptr) return status;
  if (config_.applier.loopback_channel) {
    status = loopback_open(*connection, *config_.applier.loopback_channel, applier_.workers());
    if (status.code() == sdk::Code::kRetry) applier_.drop_connection(0);
  }
  return status;
}

sdk::Status SqlSink::write(const sdk::Batch& batch) {
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
    bool loopback = false;
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
      if (config_.applier.loopback_channel &&
          is_loopback_mark(dml, *config_.applier.loopback_channel)) {
        loopback = true;
      }
    }
    taken_ts_ = transaction.commit_ts();
    if (loopback) {
      // Written downstream by this channel's peer drainer: replicating it back would loop.
      loopback_counter_.add();
      continue;
    }
    taken_rows_.emplace_back(transaction.commit_ts(), dmls.size());
    for (Dml& dml : dmls)
      applier_.add(std::move(dml));
    if (applier_.buffered() >= apply_threshold_) {
      if (auto status = dispatch_pending(); !status.is_ok()) return status;
    }
  }
  return sdk::Status::ok();
}

sdk::Status SqlSink::flush(int64_t& durable_ts) {
  if (auto status = apply_pending(); !status.is_ok()) return status;
  if (!rejection_report_.empty()) {
    // Reported once, without a watermark: the host stops here (its checkpoint stays before the
    // refused transactions) or, skipping them, flushes again and gets the watermark past them.
    return sdk::Status::rejected(std::exchange(rejection_report_, std::string()));
  }
  if (committed_ts_ > 0) {
    sdk::Status status;
    if (MysqlConnection* connection = applier_.connection(0, status)) {
      after_commit(*connection, committed_ts_);
    }
  }
  durable_ts = std::max(durable_ts, committed_ts_);
  return sdk::Status::ok();
}

sdk::Status SqlSink::close() {
  if (applier_.pending() > 0 && !host_.stop_requested()) {
    if (auto status = apply_pending(); !status.is_ok()) {
      host_.warn("closing with " + std::to_string(applier_.pending()) +
                 " row changes not applied (they are not reported durable): " + status.message());
    }
  }
  if (!rejection_report_.empty()) {
    host_.warn("closing before a flush reported the refused transactions: " + rejection_report_);
  }
  applier_.close();
  if (config_.applier.loopback_channel) {
    sdk::Status status;
    if (MysqlConnection* connection = applier_.connection(0, status)) {
      status = loopback_close(*connection, *config_.applier.loopback_channel);
    }
    if (!status.is_ok()) {
      host_.warn(std::string("could not delete this channel's rows of ") + kLoopbackMarkTable +
                 ": " + status.message());
    }
    applier_.close();
  }
  return sdk::Status::ok();
}

void SqlSink::count_applied() {
  const uint64_t applied = applier_.applied_dmls();
  dml_counter_.add(static_cast<double>(applied - counted_dmls_));
  counted_dmls_ = applied;
}

sdk::Status SqlSink::dispatch_pending() {
  sdk::Status status = applier_.dispatch();
  count_applied();
  return status;
}

sdk::Status SqlSink::apply_pending() {
  std::vector<RejectedTransaction> rejected;
  sdk::Status status = applier_.apply(&rejected);
  count_applied();
  // REJECTED with a list: everything else taken has committed, the listed ones were skipped.
  if (!status.is_ok() && rejected.empty()) return status;
  if (!rejected.empty()) note_rejections(rejected, status.message());
  committed_ts_ = taken_ts_;
  taken_rows_.clear();
  return sdk::Status::ok();
}

void SqlSink::note_rejections(const std::vector<RejectedTransaction>& rejected,
                              const std::string& report) {
  for (const RejectedTransaction& transaction : rejected) {
    std::string line = "skipped upstream transaction commit_ts " +
                       std::to_string(transaction.commit_ts) + ", refused downstream (" +
                       std::to_string(transaction.skipped_dmls) + " row changes not applied)";
    // Merge collapses rows, so its counts do not compare with the transaction's.
    auto taken = std::lower_bound(taken_rows_.begin(), taken_rows_.end(),
                                  std::make_pair(transaction.commit_ts, size_t{0}));
    if (!config_.applier.merge && taken != taken_rows_.end() &&
        taken->first == transaction.commit_ts && taken->second > transaction.skipped_dmls) {
      line += "; " + std::to_string(taken->second - transaction.skipped_dmls) + " of its " +
              std::to_string(taken->second) +
              " row changes were committed by other downstream transactions (txn-batch chunks "
              "and parallel workers do not keep an upstream transaction whole)";
    }
    host_.error(line + ": " + transaction.message);
    rejected_counter_.add();
  }
  if (!rejection_report_.empty()) rejection_report_ += "; ";
  rejection_report_ += report;
}

sdk::Status SqlSink::apply_ddl_event(const sdk::Event& event) {
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

}  // namespace sluice::mysql
