#include "core/plugin_host/metrics_bridge.h"

#include <prometheus/check_names.h>

#include <utility>

namespace sluice::plugin_host {
namespace {

std::string to_string(sluice_str_t text) {
  return text.size == 0 || text.data == nullptr ? std::string() : std::string(text.data, text.size);
}

// Prometheus' default buckets, in seconds (the ABI says histograms observe seconds).
const prometheus::Histogram::BucketBoundaries& default_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

}  // namespace

sluice_metric_t* MetricsBridge::register_metric(std::string_view plugin, std::string_view instance,
                                                int32_t kind, std::string_view name,
                                                std::string_view help,
                                                const sluice_str_t* label_pairs,
                                                size_t label_count) noexcept {
  try {
    if (kind != SLUICE_METRIC_COUNTER && kind != SLUICE_METRIC_GAUGE &&
        kind != SLUICE_METRIC_HISTOGRAM) {
      return nullptr;
    }
    const std::string metric_name(name);
    if (!prometheus::CheckMetricName(metric_name)) return nullptr;
    if (label_count > 0 && label_pairs == nullptr) return nullptr;
    prometheus::Labels labels;
    for (size_t i = 0; i < label_count; ++i) {
      std::string label = to_string(label_pairs[2 * i]);
      if (!prometheus::CheckLabelName(label) || label.rfind("__", 0) == 0 || label == "plugin" ||
          label == "instance" || labels.count(label) != 0) {
        return nullptr;
      }
      labels.emplace(std::move(label), to_string(label_pairs[2 * i + 1]));
    }
    labels.emplace("plugin", std::string(plugin));
    labels.emplace("instance", std::string(instance));

    std::string key = metric_name;
    for (const auto& [label, value] : labels) {
      key += '\0' + label + '\0' + value;  // NUL cannot occur in label names
    }

    std::lock_guard<std::mutex> lock(mutex_);
    const auto known = kinds_.find(metric_name);
    if (known != kinds_.end() && known->second != kind) return nullptr;
    if (auto it = handles_.find(key); it != handles_.end()) {
      return reinterpret_cast<sluice_metric_t*>(it->second.get());
    }
    auto handle = std::make_unique<Handle>();
    handle->kind = kind;
    // prometheus-cpp throws when the name exists in the registry with another type (e.g. a
    // daemon metric); the catch below turns that into NULL.
    if (kind == SLUICE_METRIC_COUNTER) {
      auto& family = counters_[metric_name];
      if (family == nullptr) {
        family = &prometheus::BuildCounter()
                      .Name(metric_name)
                      .Help(std::string(help))
                      .Register(registry_.get());
      }
      handle->counter = &family->Add(labels);
    } else if (kind == SLUICE_METRIC_GAUGE) {
      auto& family = gauges_[metric_name];
      if (family == nullptr) {
        family = &prometheus::BuildGauge()
                      .Name(metric_name)
                      .Help(std::string(help))
                      .Register(registry_.get());
      }
      handle->gauge = &family->Add(labels);
    } else {
      auto& family = histograms_[metric_name];
      if (family == nullptr) {
        family = &prometheus::BuildHistogram()
                      .Name(metric_name)
                      .Help(std::string(help))
                      .Register(registry_.get());
      }
      handle->histogram = &family->Add(labels, default_buckets());
    }
    kinds_[metric_name] = kind;
    auto* raw = reinterpret_cast<sluice_metric_t*>(handle.get());
    handles_.emplace(std::move(key), std::move(handle));
    return raw;
  } catch (...) {
    return nullptr;
  }
}

void MetricsBridge::add(sluice_metric_t* metric, double delta) noexcept {
  if (metric == nullptr) return;
  auto* handle = reinterpret_cast<Handle*>(metric);
  if (handle->counter != nullptr) {
    if (delta >= 0) handle->counter->Increment(delta);
  } else if (handle->gauge != nullptr) {
    handle->gauge->Increment(delta);
  }
}

void MetricsBridge::set(sluice_metric_t* metric, double value) noexcept {
  if (metric == nullptr) return;
  auto* handle = reinterpret_cast<Handle*>(metric);
  if (handle->gauge != nullptr) handle->gauge->Set(value);
}

void MetricsBridge::observe(sluice_metric_t* metric, double value) noexcept {
  if (metric == nullptr) return;
  auto* handle = reinterpret_cast<Handle*>(metric);
  if (handle->histogram != nullptr) handle->histogram->Observe(value);
}

}  // namespace sluice::plugin_host
