#pragma once
// DrainerMetrics: the drainer's Prometheus metrics, under the original drainer's names where it
// had one (binlog_drainer_*, facts §9) and sluice_drainer_* / sluice_sink_* for what it did not
// measure (per-sink watermarks, queues, write and flush times). Without a registry every call is
// a no-op. The metric objects live in the registry, which must outlive this object. Thread-safe.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <cstdint>
#include <string>

#include "core/metrics/metrics_registry.h"

namespace sluice::drainer {

class DrainerMetrics {
 public:
  explicit DrainerMetrics(metrics::MetricsRegistry* registry);

  // One pump's series, looked up once: binlog_drainer_pump_position{nodeID} (the last pulled
  // commit_ts, physical ms), binlog_drainer_read_binlog_size{nodeID} and
  // binlog_drainer_binlog_reach_duration_time{nodeID}. All null without a registry.
  struct PumpSeries {
    prometheus::Gauge* position = nullptr;
    prometheus::Histogram* size = nullptr;
    prometheus::Histogram* reach = nullptr;
    // sluice_drainer_merge_blocked_seconds_total{nodeID}: time the puller waited for the merge.
    prometheus::Counter* blocked = nullptr;
    void observe_pulled(size_t bytes, int64_t commit_ts) const;
  };
  PumpSeries pump_series(const std::string& pump);
  // binlog_drainer_event{type=Insert|Update|Delete|DDL|Txn}.
  void count_event(const char* type, double n = 1);
  void count_ddl_job();
  void count_error(const std::string& type);
  void count_disorder(double n);
  void count_skipped(const std::string& reason);
  // binlog_drainer_checkpoint_tso (physical ms) and binlog_drainer_checkpoint_delay_seconds.
  void set_checkpoint(int64_t ts);
  // sluice_drainer_merged_ts, the last commit_ts out of the merge.
  void set_merged_ts(int64_t ts);

  // Per sink.
  void observe_sink_write(const std::string& sink, size_t transactions, size_t events,
                          double seconds);
  void observe_sink_flush(const std::string& sink, double seconds);
  void set_sink_watermark(const std::string& sink, int64_t ts);
  void set_sink_queue(const std::string& sink, size_t batches);
  void count_sink_error(const std::string& sink, const std::string& type);

 private:
  prometheus::Family<prometheus::Gauge>* pump_position_ = nullptr;
  prometheus::Family<prometheus::Histogram>* read_size_ = nullptr;
  prometheus::Family<prometheus::Histogram>* reach_duration_ = nullptr;
  prometheus::Family<prometheus::Counter>* merge_blocked_ = nullptr;
  prometheus::Family<prometheus::Counter>* events_ = nullptr;
  prometheus::Counter* ddl_jobs_ = nullptr;
  prometheus::Family<prometheus::Counter>* errors_ = nullptr;
  prometheus::Counter* disorder_ = nullptr;
  prometheus::Family<prometheus::Counter>* skipped_ = nullptr;
  prometheus::Gauge* checkpoint_tso_ = nullptr;
  prometheus::Histogram* checkpoint_delay_ = nullptr;
  prometheus::Gauge* merged_ts_ = nullptr;
  prometheus::Family<prometheus::Counter>* sink_transactions_ = nullptr;
  prometheus::Family<prometheus::Counter>* sink_events_ = nullptr;
  prometheus::Family<prometheus::Histogram>* sink_write_ = nullptr;
  prometheus::Family<prometheus::Histogram>* sink_flush_ = nullptr;
  prometheus::Family<prometheus::Gauge>* sink_watermark_ = nullptr;
  prometheus::Family<prometheus::Gauge>* sink_queue_ = nullptr;
  prometheus::Family<prometheus::Counter>* sink_errors_ = nullptr;
};

}  // namespace sluice::drainer
