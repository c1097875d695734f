#include "core/plugin_host/retry_policy.h"

#include <algorithm>

namespace sluice::plugin_host {

std::chrono::nanoseconds RetryPolicy::backoff(int retry) const {
  double pause = static_cast<double>(initial_backoff.count());
  const double cap = static_cast<double>(max_backoff.count());
  for (int i = 0; i < retry && pause < cap; ++i)
    pause *= std::max(multiplier, 1.0);
  return std::chrono::nanoseconds(static_cast<int64_t>(std::max(0.0, std::min(pause, cap))));
}

}  // namespace sluice::plugin_host
