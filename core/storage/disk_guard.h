#pragma once
// DiskGuard: refuses new transactions (Prewrite binlogs) while the data directory's free space is
// below a threshold, probing it at most once per interval. Commit, Rollback and fake binlogs are
// not checked so running transactions finish and drainers keep advancing. Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "core/common/result.h"

namespace sluice::storage {

class DiskGuard {
 public:
  using Probe = std::function<Result<uint64_t>(const std::string&)>;

  // threshold 0 disables the guard; an empty probe uses statvfs.
  DiskGuard(std::string dir, uint64_t threshold, std::chrono::milliseconds interval, Probe probe);

  // OK, or ResourceExhausted "no available space, available: X, StopWriteAtAvailableSpace: Y".
  // A failing probe is logged and does not block writes.
  Status check();

  // Free bytes of `dir` by statvfs (f_bavail * f_frsize).
  static Result<uint64_t> statvfs_available(const std::string& dir);

 private:
  const std::string dir_;
  const uint64_t threshold_;
  const std::chrono::milliseconds interval_;
  const Probe probe_;

  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_check_{};
  bool checked_once_ = false;
  uint64_t last_available_ = 0;
};

}  // namespace sluice::storage
