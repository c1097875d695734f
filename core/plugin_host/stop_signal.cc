#include "core/plugin_host/stop_signal.h"

namespace sluice::plugin_host {

void StopSignal::request_stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_.store(true, std::memory_order_release);
  }
  changed_.notify_all();
}

bool StopSignal::wait_for(std::chrono::nanoseconds duration) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, duration, [this] { return stop_requested(); });
}

}  // namespace sluice::plugin_host
