#pragma once
// StopSignals: how a daemon's main() waits for SIGTERM/SIGINT. Construct it first thing in
// main(), before any thread starts: it blocks the two signals (threads inherit the mask, so only
// wait_for_stop() sees them; a signal during start-up is handled once the daemon runs) and
// ignores SIGPIPE (a peer hanging up mid-response must cost a failed write, not the process:
// OpenSSL writes with write(2)). Not copyable; use from the main thread.

#include <signal.h>

#include <functional>

namespace sluice::daemon {

class StopSignals {
 public:
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Returns once `stopped()` is true, polling it every 200 ms; each SIGTERM/SIGINT meanwhile is
  // logged and passed to `on_signal` (which should make `stopped()` true soon).
  void wait_for_stop(const std::function<bool()>& stopped,
                     const std::function<void()>& on_signal) const;

 private:
  sigset_t signals_;
};

}  // namespace sluice::daemon
