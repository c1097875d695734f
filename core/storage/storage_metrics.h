#pragma once
// StorageMetrics: the store's Prometheus metrics under the original pump's names
// (binlog_pump_storage_*). Without a registry every call is a no-op. The metric objects live in
// the registry, which must outlive this object. Thread-safe (prometheus-cpp metrics are).

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <cstdint>
#include <string>

#include "core/metrics/metrics_registry.h"

namespace sluice::storage {

class StorageMetrics {
 public:
  explicit StorageMetrics(metrics::MetricsRegistry* registry);

  void set_max_commit_ts(int64_t ts);  // exported as TSO physical milliseconds
  void set_gc_ts(int64_t ts);
  // sluice_pump_storage_disk_failed: 1 while the disk refuses writes (full, failed fsync).
  void set_disk_failed(bool failed);
  void observe_write(size_t bytes, double seconds);
  // type: write_binlog, commit_without_prewrite, malformed, no_space, resolve ...
  void count_error(const std::string& type);
  // result: rolled_back or committed
  void count_unmatched(const std::string& result);

 private:
  prometheus::Gauge* max_commit_ts_ = nullptr;
  prometheus::Gauge* gc_ts_ = nullptr;
  prometheus::Gauge* disk_failed_ = nullptr;
  prometheus::Histogram* write_size_ = nullptr;
  prometheus::Histogram* write_duration_ = nullptr;
  prometheus::Family<prometheus::Counter>* errors_ = nullptr;
  prometheus::Family<prometheus::Counter>* unmatched_ = nullptr;
};

}  // namespace sluice::storage
