#pragma once
// StopSignal: the host's "shutting down" flag, which plugins poll through stop_requested() and
// which interrupts the host's own retry back-off at once. Owned by the PluginHost; every method
// is thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace sluice::plugin_host {

class StopSignal {
 public:
  // Sets the flag and wakes every wait_for(). Idempotent.
  void request_stop();
  bool stop_requested() const { return stopped_.load(std::memory_order_acquire); }
  // Sleeps for `duration` unless stop is (or becomes) requested; true when it was.
  bool wait_for(std::chrono::nanoseconds duration) const;

 private:
  std::atomic<bool> stopped_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
};

}  // namespace sluice::plugin_host
