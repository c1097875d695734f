#pragma once
// MetricsRegistry: the Prometheus metrics of one daemon (prometheus-cpp core), rendered in the
// text exposition format for GET /metrics. Metric objects returned by prometheus-cpp's builders
// live as long as the registry. Thread-safe (prometheus-cpp's registry and metrics are).

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace sluice::metrics {

class MetricsRegistry {
 public:
  MetricsRegistry() : registry_(std::make_shared<prometheus::Registry>()) {}

  // For prometheus::BuildCounter()/BuildGauge()/BuildHistogram() ... .Register(registry.get()).
  prometheus::Registry& get() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared() const { return registry_; }

  // Every metric in Prometheus text format 0.0.4.
  std::string render_text() const;

  // The content type of render_text()'s output.
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

// `count` bucket bounds start, start*factor, ... (the original's histograms use these, e.g.
// 50 µs doubling 18 times for WriteBinlog latency).
prometheus::Histogram::BucketBoundaries exponential_buckets(double start, double factor, int count);

}  // namespace sluice::metrics
