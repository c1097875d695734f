#include "core/metrics/metrics_registry.h"

#include <prometheus/text_serializer.h>

namespace sluice::metrics {

std::string MetricsRegistry::render_text() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

prometheus::Histogram::BucketBoundaries exponential_buckets(double start, double factor,
                                                            int count) {
  prometheus::Histogram::BucketBoundaries bounds;
  bounds.reserve(static_cast<size_t>(count));
  double bound = start;
  for (int i = 0; i < count; ++i) {
    bounds.push_back(bound);
    bound *= factor;
  }
  return bounds;
}

}  // namespace sluice::metrics
