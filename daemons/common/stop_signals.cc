#include "daemons/common/stop_signals.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <ctime>

namespace sluice::daemon {

StopSignals::StopSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void StopSignals::wait_for_stop(const std::function<bool()>& stopped,
                                const std::function<void()>& on_signal) const {
  const timespec tick{0, 200'000'000};
  while (!stopped()) {
    const int received = sigtimedwait(&signals_, nullptr, &tick);
    if (received == SIGTERM || received == SIGINT) {
      spdlog::info("received signal {}, stopping", received);
      on_signal();
    }
  }
}

}  // namespace sluice::daemon
