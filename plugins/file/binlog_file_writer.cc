#include "plugins/file/binlog_file_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

#include "core/checksum/crc32c.h"
#include "plugins/file/binlog_file_reader.h"

namespace sluice::file {
namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

// Out of space is worth retrying (an operator may free some); other write errors are not.
Status write_error(const std::filesystem::path& path, int error) {
  std::string message = "writing '" + path.string() + "': " + errno_text(error);
  return error == ENOSPC || error == EDQUOT ? Status::resource_exhausted(std::move(message))
                                            : Status::io_error(std::move(message));
}

Status fsync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::io_error("cannot open '" + dir.string() + "': " + errno_text(errno));
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) {
    return Status::io_error("fsync of directory '" + dir.string() +
                            "' failed: " + errno_text(error));
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<BinlogFileWriter>> BinlogFileWriter::open(BinlogFileWriterOptions options) {
  if (options.max_file_size == 0) {
    return Status::invalid_argument("max_file_size must be greater than 0");
  }
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) {
    return Status::io_error("cannot create directory '" + options.dir.string() +
                            "': " + error.message());
  }
  auto writer = std::make_unique<BinlogFileWriter>(Passkey{}, std::move(options));
  SLUICE_RETURN_IF_ERROR(writer->lock_directory());
  SLUICE_RETURN_IF_ERROR(writer->recover_or_create());
  return writer;
}

BinlogFileWriter::~BinlogFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Status BinlogFileWriter::lock_directory() {
  const std::filesystem::path lock_path = options_.dir / kLockFileName;
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    return Status::io_error("cannot open lock file '" + lock_path.string() +
                            "': " + errno_text(errno));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error == EWOULDBLOCK) {
      return Status::unavailable("directory '" + options_.dir.string() +
                                 "' is in use by another writer (it holds the lock on '" +
                                 lock_path.string() + "')");
    }
    return Status::io_error("cannot lock '" + lock_path.string() + "': " + errno_text(error));
  }
  return Status::ok();
}

Status BinlogFileWriter::recover_or_create() {
  SLUICE_ASSIGN_OR_RETURN(std::vector<BinlogFileEntry> files, list_binlog_files(options_.dir));
  if (files.empty()) return create_file(0);
  const BinlogFileEntry& newest = files.back();
  SLUICE_ASSIGN_OR_RETURN(BinlogFileScan scan, scan_binlog_file(newest.path));
  fd_ = ::open(newest.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) {
    return Status::io_error("cannot open '" + newest.path.string() +
                            "' for appending: " + errno_text(errno));
  }
  index_ = newest.index;
  path_ = newest.path;
  size_ = scan.valid_size;
  if (scan.has_torn_tail()) {
    if (options_.warn) {
      options_.warn("truncating the torn tail of '" + newest.path.string() + "' at offset " +
                    std::to_string(scan.valid_size) + " (" +
                    std::to_string(scan.file_size - scan.valid_size) + " bytes dropped after " +
                    std::to_string(scan.records) + " valid records): " + scan.torn_reason);
    }
    if (::ftruncate(fd_, static_cast<off_t>(scan.valid_size)) != 0) {
      return Status::io_error("cannot truncate '" + newest.path.string() + "' to " +
                              std::to_string(scan.valid_size) + " bytes: " + errno_text(errno));
    }
    if (::fdatasync(fd_) != 0) {
      return Status::io_error("fdatasync of '" + newest.path.string() +
                              "' failed: " + errno_text(errno));
    }
  }
  return Status::ok();
}

Status BinlogFileWriter::create_file(uint64_t index) {
  const std::filesystem::path path = options_.dir / binlog_file_name(index, std::time(nullptr));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::io_error("cannot create '" + path.string() + "': " + errno_text(errno));
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  index_ = index;
  path_ = path;
  size_ = 0;
  // The new name must survive a crash before any record in it is reported durable.
  return fsync_directory(options_.dir);
}

Status BinlogFileWriter::rotate() {
  if (::fdatasync(fd_) != 0) {
    return Status::io_error("fdatasync of '" + path_.string() + "' failed: " + errno_text(errno));
  }
  ++syncs_;
  SLUICE_RETURN_IF_ERROR(create_file(index_ + 1));
  ++rotations_;
  return Status::ok();
}

void BinlogFileWriter::finish_record(size_t start) {
  const size_t length = pending_.size() - start - kRecordHeaderSize;
  char* header = pending_.data() + start;
  put_u32_le(header, kRecordMagic);
  put_u64_le(header + 4, length);
  const uint32_t crc =
      checksum::crc32c(std::string_view(pending_.data() + start + kRecordHeaderSize, length));
  char trailer[4];
  put_u32_le(trailer, crc);
  pending_.append(trailer, sizeof(trailer));
}

void BinlogFileWriter::append(std::string_view payload) {
  append_record(pending_, payload);
}

Status BinlogFileWriter::write_all(std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t written = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (written < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      // Leave no partial record behind: cut the file back to its last whole record.
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        return Status::io_error(
            "writing '" + path_.string() + "': " + errno_text(error) +
            ", and cutting off the partial record failed: " + errno_text(errno));
      }
      return write_error(path_, error);
    }
    done += static_cast<size_t>(written);
  }
  return Status::ok();
}

Status BinlogFileWriter::write_out() {
  size_t done = 0;
  Status status;
  while (done < pending_.size()) {
    if (size_ >= options_.max_file_size) {
      status = rotate();
      if (!status.is_ok()) break;
    }
    // The records that go to this file: the original rotates after the write that reached the
    // limit, so the record that crosses it stays in this file.
    size_t end = done;
    uint64_t projected = size_;
    while (end < pending_.size() && projected < options_.max_file_size) {
      const size_t record = kRecordOverhead + get_u64_le(pending_.data() + end + 4);
      end += record;
      projected += record;
    }
    status = write_all(std::string_view(pending_.data() + done, end - done));
    if (!status.is_ok()) break;
    size_ = projected;
    done = end;
  }
  if (done == pending_.size()) {
    pending_.clear();
  } else {
    pending_.erase(0, done);
  }
  return status;
}

Status BinlogFileWriter::sync() {
  SLUICE_RETURN_IF_ERROR(write_out());
  if (::fdatasync(fd_) != 0) {
    return Status::io_error("fdatasync of '" + path_.string() + "' failed: " + errno_text(errno));
  }
  ++syncs_;
  return Status::ok();
}

Result<size_t> BinlogFileWriter::purge_older_than(std::filesystem::file_time_type cutoff) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<BinlogFileEntry> files, list_binlog_files(options_.dir));
  size_t removed = 0;
  for (const BinlogFileEntry& file : files) {
    if (file.index >= index_) break;  // never the file being written
    std::error_code error;
    const auto modified = std::filesystem::last_write_time(file.path, error);
    if (error) {
      return Status::io_error("cannot read the time of '" + file.path.string() +
                              "': " + error.message());
    }
    // Only the oldest files go, so that the indices left stay contiguous.
    if (modified >= cutoff) break;
    if (!std::filesystem::remove(file.path, error) || error) {
      return Status::io_error("cannot remove '" + file.path.string() +
                              "': " + (error ? error.message() : std::string("vanished")));
    }
    ++removed;
  }
  return removed;
}

}  // namespace sluice::file
