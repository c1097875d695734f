#include "core/storage/disk_guard.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sluice::storage {

DiskGuard::DiskGuard(std::string dir, uint64_t threshold, std::chrono::milliseconds interval,
                     Probe probe)
    : dir_(std::move(dir)),
      threshold_(threshold),
      interval_(interval),
      probe_(probe ? std::move(probe) : Probe(&DiskGuard::statvfs_available)) {}

Result<uint64_t> DiskGuard::statvfs_available(const std::string& dir) {
  struct statvfs info {};
  if (::statvfs(dir.c_str(), &info) != 0) {
    return Status::io_error("statvfs " + dir + ": " + std::strerror(errno));
  }
  return static_cast<uint64_t>(info.f_bavail) * static_cast<uint64_t>(info.f_frsize);
}

Status DiskGuard::check() {
  if (threshold_ == 0) return Status::ok();
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (!checked_once_ || interval_.count() == 0 || now - last_check_ >= interval_) {
    Result<uint64_t> available = probe_(dir_);
    if (!available.is_ok()) {
      spdlog::warn("storage: cannot probe free space of {}: {}", dir_,
                   available.status().to_string());
      return Status::ok();
    }
    last_available_ = *available;
    last_check_ = now;
    checked_once_ = true;
  }
  if (last_available_ < threshold_) {
    return Status::resource_exhausted(
        "no available space, available: " + std::to_string(last_available_) +
        ", StopWriteAtAvailableSpace: " + std::to_string(threshold_));
  }
  return Status::ok();
}

}  // namespace sluice::storage
