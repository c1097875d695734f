#pragma once
// MetricsBridge: the plugins' metrics (metric_register/add/set/observe of the host API), kept in
// the daemon's MetricsRegistry with the labels `plugin` and `instance` added, so they appear on
// its Prometheus endpoint. The bridge owns the handles it returns; they stay valid as long as
// the bridge, which the PluginHost and every instance context share (shared_ptr). Thread-safe.

#include <sluice/plugin_abi.h>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/metrics/metrics_registry.h"

namespace sluice::plugin_host {

class MetricsBridge {
 public:
  explicit MetricsBridge(metrics::MetricsRegistry registry) : registry_(std::move(registry)) {}

  // One series of a counter, gauge or histogram (SLUICE_METRIC_*), labelled with the plugin's
  // and the instance's names and `label_count` name/value pairs. The same name and labels give
  // the same handle. nullptr for an invalid metric or label name, a label named `plugin` or
  // `instance`, a repeated label, an unknown kind, or a name registered with another kind.
  sluice_metric_t* register_metric(std::string_view plugin, std::string_view instance, int32_t kind,
                                   std::string_view name, std::string_view help,
                                   const sluice_str_t* label_pairs, size_t label_count) noexcept;

  // The host API's metric calls. A call that does not fit the metric's kind (set on a counter,
  // a negative counter increment) is ignored; a NULL handle too.
  static void add(sluice_metric_t* metric, double delta) noexcept;
  static void set(sluice_metric_t* metric, double value) noexcept;
  static void observe(sluice_metric_t* metric, double value) noexcept;

  metrics::MetricsRegistry& registry() { return registry_; }

 private:
  struct Handle {
    int32_t kind = SLUICE_METRIC_COUNTER;
    prometheus::Counter* counter = nullptr;
    prometheus::Gauge* gauge = nullptr;
    prometheus::Histogram* histogram = nullptr;
  };

  metrics::MetricsRegistry registry_;
  std::mutex mutex_;
  std::map<std::string, int32_t> kinds_;  // metric name -> SLUICE_METRIC_*
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counters_;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges_;
  std::map<std::string, prometheus::Family<prometheus::Histogram>*> histograms_;
  std::map<std::string, std::unique_ptr<Handle>> handles_;  // name + labels -> handle
};

}  // namespace sluice::plugin_host
