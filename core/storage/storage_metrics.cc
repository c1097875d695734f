#include "core/storage/storage_metrics.h"

#include "core/tso/tso.h"

namespace sluice::storage {

StorageMetrics::StorageMetrics(metrics::MetricsRegistry* registry) {
  if (registry == nullptr) return;
  auto& reg = registry->get();
  max_commit_ts_ = &prometheus::BuildGauge()
                        .Name("binlog_pump_storage_max_commit_ts")
                        .Help("max commit ts (physical ms) visible to readers")
                        .Register(reg)
                        .Add({});
  gc_ts_ = &prometheus::BuildGauge()
                .Name("binlog_pump_storage_gc_ts")
                .Help("gc ts (physical ms) of the storage")
                .Register(reg)
                .Add({});
  disk_failed_ = &prometheus::BuildGauge()
                      .Name("sluice_pump_storage_disk_failed")
                      .Help(
                          "1 while the disk refuses writes (full, failed fsync); writes are "
                          "refused until it recovers")
                      .Register(reg)
                      .Add({});
  // Buckets as the original: size exp 16 B x2 25; duration exp 50 us x2 20.
  write_size_ = &prometheus::BuildHistogram()
                     .Name("binlog_pump_storage_write_binlog_size")
                     .Help("size of written binlogs in bytes")
                     .Register(reg)
                     .Add({{"type", "single"}}, metrics::exponential_buckets(16, 2, 25));
  write_duration_ = &prometheus::BuildHistogram()
                         .Name("binlog_pump_storage_write_binlog_duration_time")
                         .Help("time of one binlog write in seconds")
                         .Register(reg)
                         .Add({{"type", "single"}}, metrics::exponential_buckets(0.00005, 2, 20));
  errors_ = &prometheus::BuildCounter()
                 .Name("binlog_pump_storage_error_count")
                 .Help("storage errors by type")
                 .Register(reg);
  unmatched_ = &prometheus::BuildCounter()
                    .Name("binlog_pump_storage_unmatched_prewrite_total")
                    .Help("prewrites never matched by Commit/Rollback, settled by the resolver")
                    .Register(reg);
}

void StorageMetrics::set_max_commit_ts(int64_t ts) {
  if (max_commit_ts_) max_commit_ts_->Set(static_cast<double>(tso::physical_ms(ts)));
}

void StorageMetrics::set_gc_ts(int64_t ts) {
  if (gc_ts_) gc_ts_->Set(static_cast<double>(tso::physical_ms(ts)));
}

void StorageMetrics::set_disk_failed(bool failed) {
  if (disk_failed_) disk_failed_->Set(failed ? 1 : 0);
}

void StorageMetrics::observe_write(size_t bytes, double seconds) {
  if (write_size_) write_size_->Observe(static_cast<double>(bytes));
  if (write_duration_) write_duration_->Observe(seconds);
}

void StorageMetrics::count_error(const std::string& type) {
  if (errors_) errors_->Add({{"type", type}}).Increment();
}

void StorageMetrics::count_unmatched(const std::string& result) {
  if (unmatched_) unmatched_->Add({{"result", result}}).Increment();
}

}  // namespace sluice::storage
