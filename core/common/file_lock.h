#pragma once
// FileLock: an exclusive advisory lock (flock) on a file, held for the object's lifetime.
// Serialises processes of one host around a shared file or directory. Not re-entrant; one
// holder per object; movable, not copyable.

#include <filesystem>

#include "core/common/result.h"

namespace sluice {

class FileLock {
 public:
  // Blocks until the lock on `path` (created when missing) is held.
  static Result<FileLock> acquire(const std::filesystem::path& path);
  // Fails at once with kUnavailable when another process holds it.
  static Result<FileLock> try_acquire(const std::filesystem::path& path);

  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace sluice
