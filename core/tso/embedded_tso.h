#pragma once
// EmbeddedTso: a TSO for the processes of one host (pump, drainer, load generator), with no
// server. State lives in a small file every process maps shared: allocation is a lock-free
// compare-and-swap on the shared `last` timestamp, max(now, last + 1), so timestamps are strictly
// increasing across processes. Like PD, it persists an upper bound ahead of what it issues
// (extended, under a file lock and with msync, every `window`); after a reboot (a new boot id)
// allocation resumes above that bound, so time never goes backwards across restarts even when the
// clock does. Thread-safe; the state file must be on a local file system.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/tso/tso_source.h"

namespace sluice::tso {

struct EmbeddedTsoOptions {
  std::chrono::milliseconds window{3000};  // how far ahead the persisted bound runs
  // Injectable for tests: the wall clock in ms since the epoch, and the boot id.
  std::function<int64_t()> now_ms;
  std::function<std::string()> boot_id;
};

class EmbeddedTso : public TsoSource {
 public:
  // Opens (creating) the state file at `path`; a lock file `<path>.lock` sits beside it.
  static Result<std::unique_ptr<EmbeddedTso>> open(const std::filesystem::path& path,
                                                   EmbeddedTsoOptions options = {});
  ~EmbeddedTso() override;

  Result<int64_t> next() override;
  // The last timestamp issued by any process (0 when none).
  int64_t last() const;
  // The persisted bound (for tests and /status).
  int64_t persisted_limit() const;

  struct SharedState;
  EmbeddedTso(std::filesystem::path path, int fd, SharedState* state, EmbeddedTsoOptions options);

 private:
  Status extend_window(int64_t needed);

  std::filesystem::path path_;
  int fd_;
  SharedState* state_;  // mapping of the state file, unmapped in the destructor
  EmbeddedTsoOptions options_;
};

// The kernel's boot id (/proc/sys/kernel/random/boot_id), "" when unavailable.
std::string current_boot_id();

}  // namespace sluice::tso
