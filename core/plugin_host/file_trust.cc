#include "core/plugin_host/file_trust.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::plugin_host {
namespace {

std::string mode_text(mode_t mode) {
  return fmt::format("{:04o}", static_cast<unsigned>(mode & 07777));
}

}  // namespace

Status check_directory_trust(const std::filesystem::path& directory, std::string_view what) {
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0) {
    return Status::io_error(
        fmt::format("{} {}: cannot stat: {}", what, directory.string(), std::strerror(errno)));
  }
  if (!S_ISDIR(info.st_mode)) {
    return Status::invalid_argument(
        fmt::format("{} {} is not a directory", what, directory.string()));
  }
  if ((info.st_mode & S_IWOTH) != 0) {
    return Status::failed_precondition(
        fmt::format("{} {} is writable by other users (mode {}); refusing to load any plugin "
                    "from it (plugins run with the daemon's rights)",
                    what, directory.string(), mode_text(info.st_mode)));
  }
  return Status::ok();
}

Status check_file_trust(const std::filesystem::path& file, std::string_view what) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    return Status::io_error(
        fmt::format("{} {}: cannot stat: {}", what, file.string(), std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) {
    return Status::invalid_argument(
        fmt::format("{} {} is not a regular file", what, file.string()));
  }
  if ((info.st_mode & S_IWOTH) != 0) {
    return Status::failed_precondition(
        fmt::format("{} {} is writable by other users (mode {}); refused (plugins run with the "
                    "daemon's rights)",
                    what, file.string(), mode_text(info.st_mode)));
  }
  const uid_t self = ::geteuid();
  if (info.st_uid != self && info.st_uid != 0) {
    return Status::failed_precondition(fmt::format(
        "{} {} is owned by uid {}, neither the daemon's user (uid {}) nor root; "
        "refused (plugins run with the daemon's rights)",
        what, file.string(), static_cast<unsigned>(info.st_uid), static_cast<unsigned>(self)));
  }
  return Status::ok();
}

}  // namespace sluice::plugin_host
