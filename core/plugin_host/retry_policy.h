#pragma once
// RetryPolicy: how the host re-sends a call a plugin answered with SLUICE_RETRY: exponential
// back-off from `initial_backoff`, times `multiplier`, capped at `max_backoff`, at most
// `max_attempts` calls in all. A value type.

#include <chrono>

namespace sluice::plugin_host {

struct RetryPolicy {
  std::chrono::nanoseconds initial_backoff = std::chrono::milliseconds(100);
  double multiplier = 2.0;
  std::chrono::nanoseconds max_backoff = std::chrono::seconds(5);
  int max_attempts = 10;  // calls in all, the first included; < 1 counts as 1

  // The pause after the `retry`-th RETRY answer (0-based): initial * multiplier^retry, capped.
  std::chrono::nanoseconds backoff(int retry) const;
};

}  // namespace sluice::plugin_host
