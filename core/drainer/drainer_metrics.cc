#include "core/drainer/drainer_metrics.h"

#include <chrono>

#include "core/tso/tso.h"

namespace sluice::drainer {

namespace {

double physical_ms(int64_t ts) {
  return static_cast<double>(tso::physical_ms(ts));
}

}  // namespace

DrainerMetrics::DrainerMetrics(metrics::MetricsRegistry* registry) {
  if (registry == nullptr) return;
  auto& r = registry->get();
  pump_position_ = &prometheus::BuildGauge()
                        .Name("binlog_drainer_pump_position")
                        .Help("The last commit ts pulled from each pump (physical ms)")
                        .Register(r);
  read_size_ = &prometheus::BuildHistogram()
                    .Name("binlog_drainer_read_binlog_size")
                    .Help("Size of the binlogs pulled from each pump, in bytes")
                    .Register(r);
  reach_duration_ = &prometheus::BuildHistogram()
                         .Name("binlog_drainer_binlog_reach_duration_time")
                         .Help("Seconds from a binlog's commit to its arrival at the drainer")
                         .Register(r);
  merge_blocked_ = &prometheus::BuildCounter()
                        .Name("sluice_drainer_merge_blocked_seconds_total")
                        .Help(
                            "Seconds a pump's puller waited for room in the merge "
                            "(back-pressure from a slower pump or the sinks)")
                        .Register(r);
  events_ = &prometheus::BuildCounter()
                 .Name("binlog_drainer_event")
                 .Help("Events handed to the sinks, by type")
                 .Register(r);
  ddl_jobs_ = &prometheus::BuildCounter()
                   .Name("binlog_drainer_ddl_jobs_total")
                   .Help("DDL jobs applied to the schema")
                   .Register(r)
                   .Add({});
  errors_ = &prometheus::BuildCounter()
                 .Name("binlog_drainer_error_count")
                 .Help("Errors, by type")
                 .Register(r);
  disorder_ = &prometheus::BuildCounter()
                   .Name("binlog_drainer_disorder_binlog_count")
                   .Help("Binlogs dropped by the merge because they came out of order")
                   .Register(r)
                   .Add({});
  skipped_ = &prometheus::BuildCounter()
                  .Name("sluice_drainer_skipped_binlogs_total")
                  .Help("Binlogs that reached no sink, by reason")
                  .Register(r);
  checkpoint_tso_ = &prometheus::BuildGauge()
                         .Name("binlog_drainer_checkpoint_tso")
                         .Help("The saved checkpoint (physical ms)")
                         .Register(r)
                         .Add({});
  checkpoint_delay_ = &prometheus::BuildHistogram()
                           .Name("binlog_drainer_checkpoint_delay_seconds")
                           .Help("Seconds between the checkpoint's commit time and its saving")
                           .Register(r)
                           .Add({}, metrics::exponential_buckets(0.001, 2, 24));
  merged_ts_ = &prometheus::BuildGauge()
                    .Name("sluice_drainer_merged_ts")
                    .Help("The last commit ts out of the merge (physical ms)")
                    .Register(r)
                    .Add({});
  sink_transactions_ = &prometheus::BuildCounter()
                            .Name("sluice_sink_transactions_total")
                            .Help("Transactions written to each sink")
                            .Register(r);
  sink_events_ = &prometheus::BuildCounter()
                      .Name("sluice_sink_events_total")
                      .Help("Events written to each sink")
                      .Register(r);
  sink_write_ = &prometheus::BuildHistogram()
                     .Name("sluice_sink_write_seconds")
                     .Help("Duration of each sink write call")
                     .Register(r);
  sink_flush_ = &prometheus::BuildHistogram()
                     .Name("sluice_sink_flush_seconds")
                     .Help("Duration of each sink flush call")
                     .Register(r);
  sink_watermark_ = &prometheus::BuildGauge()
                         .Name("sluice_sink_watermark_ts")
                         .Help("Commit ts up to which each sink is durable (physical ms)")
                         .Register(r);
  sink_queue_ = &prometheus::BuildGauge()
                     .Name("sluice_sink_queue_batches")
                     .Help("Batches waiting for each sink")
                     .Register(r);
  sink_errors_ = &prometheus::BuildCounter()
                      .Name("sluice_sink_errors_total")
                      .Help("Sink call failures, by type (retry, rejected, fatal)")
                      .Register(r);
}

DrainerMetrics::PumpSeries DrainerMetrics::pump_series(const std::string& pump) {
  PumpSeries series;
  if (!pump_position_) return series;
  series.position = &pump_position_->Add({{"nodeID", pump}});
  series.size = &read_size_->Add({{"nodeID", pump}}, metrics::exponential_buckets(16, 2, 25));
  series.reach =
      &reach_duration_->Add({{"nodeID", pump}}, metrics::exponential_buckets(0.001, 2, 20));
  series.blocked = &merge_blocked_->Add({{"nodeID", pump}});
  return series;
}

void DrainerMetrics::PumpSeries::observe_pulled(size_t bytes, int64_t commit_ts) const {
  if (!position) return;
  position->Set(physical_ms(commit_ts));
  size->Observe(static_cast<double>(bytes));
  const double now_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  const double delay = (now_ms - physical_ms(commit_ts)) / 1000.0;
  reach->Observe(delay < 0 ? 0 : delay);
}

void DrainerMetrics::count_event(const char* type, double n) {
  if (events_) events_->Add({{"type", type}}).Increment(n);
}
void DrainerMetrics::count_ddl_job() {
  if (ddl_jobs_) ddl_jobs_->Increment();
}
void DrainerMetrics::count_error(const std::string& type) {
  if (errors_) errors_->Add({{"type", type}}).Increment();
}
void DrainerMetrics::count_disorder(double n) {
  if (disorder_ && n > 0) disorder_->Increment(n);
}
void DrainerMetrics::count_skipped(const std::string& reason) {
  if (skipped_) skipped_->Add({{"reason", reason}}).Increment();
}

void DrainerMetrics::set_checkpoint(int64_t ts) {
  if (!checkpoint_tso_) return;
  checkpoint_tso_->Set(physical_ms(ts));
  const double now_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  const double delay = (now_ms - physical_ms(ts)) / 1000.0;
  checkpoint_delay_->Observe(delay < 0 ? 0 : delay);
}

void DrainerMetrics::set_merged_ts(int64_t ts) {
  if (merged_ts_) merged_ts_->Set(physical_ms(ts));
}

void DrainerMetrics::observe_sink_write(const std::string& sink, size_t transactions, size_t events,
                                        double seconds) {
  if (!sink_transactions_) return;
  static const auto buckets = metrics::exponential_buckets(0.0001, 2, 20);
  sink_transactions_->Add({{"sink", sink}}).Increment(static_cast<double>(transactions));
  sink_events_->Add({{"sink", sink}}).Increment(static_cast<double>(events));
  sink_write_->Add({{"sink", sink}}, buckets).Observe(seconds);
}

void DrainerMetrics::observe_sink_flush(const std::string& sink, double seconds) {
  if (!sink_flush_) return;
  static const auto buckets = metrics::exponential_buckets(0.0001, 2, 20);
  sink_flush_->Add({{"sink", sink}}, buckets).Observe(seconds);
}

void DrainerMetrics::set_sink_watermark(const std::string& sink, int64_t ts) {
  if (sink_watermark_) sink_watermark_->Add({{"sink", sink}}).Set(physical_ms(ts));
}
void DrainerMetrics::set_sink_queue(const std::string& sink, size_t batches) {
  if (sink_queue_) sink_queue_->Add({{"sink", sink}}).Set(static_cast<double>(batches));
}
void DrainerMetrics::count_sink_error(const std::string& sink, const std::string& type) {
  if (sink_errors_) sink_errors_->Add({{"sink", sink}, {"type", type}}).Increment();
}

}  // namespace sluice::drainer
