#include "plugins/file/binlog_file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/checksum/crc32c.h"
#include "plugins/file/binlog_file_format.h"

namespace sluice::file {
namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

// How far valid_record_after reads at a time while looking for the magic.
constexpr size_t kScanChunk = 1 << 20;

}  // namespace

Result<BinlogFileReader> BinlogFileReader::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::io_error("cannot open '" + path.string() + "': " + errno_text(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return Status::io_error("cannot stat '" + path.string() + "': " + errno_text(error));
  }
  return BinlogFileReader(path, fd, static_cast<uint64_t>(info.st_size));
}

BinlogFileReader::BinlogFileReader(BinlogFileReader&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(other.fd_),
      size_(other.size_),
      offset_(other.offset_),
      torn_tail_(other.torn_tail_),
      resume_at_(other.resume_at_) {
  other.fd_ = -1;
}

BinlogFileReader& BinlogFileReader::operator=(BinlogFileReader&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    size_ = other.size_;
    offset_ = other.offset_;
    torn_tail_ = other.torn_tail_;
    resume_at_ = other.resume_at_;
    other.fd_ = -1;
  }
  return *this;
}

BinlogFileReader::~BinlogFileReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status BinlogFileReader::read_exact(uint64_t at, size_t size, char* out) {
  size_t done = 0;
  while (done < size) {
    const ssize_t got = ::pread(fd_, out + done, size - done, static_cast<off_t>(at + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::io_error("reading '" + path_.string() + "' at offset " +
                              std::to_string(at + done) + ": " + errno_text(errno));
    }
    if (got == 0) {
      return Status::io_error("'" + path_.string() + "' shrank while being read at offset " +
                              std::to_string(at + done));
    }
    done += static_cast<size_t>(got);
  }
  return Status::ok();
}

Result<std::string> BinlogFileReader::check_record(uint64_t at, std::string& payload) {
  const uint64_t left = size_ - at;
  if (left < kRecordHeaderSize) {
    return "a record header cut short (" + std::to_string(left) + " of 12 bytes)";
  }
  char header[kRecordHeaderSize];
  SLUICE_RETURN_IF_ERROR(read_exact(at, sizeof(header), header));
  const uint32_t magic = get_u32_le(header);
  if (magic != kRecordMagic) {
    char text[64];
    std::snprintf(text, sizeof(text), "bad magic 0x%08x", magic);
    return std::string(text);
  }
  const uint64_t length = get_u64_le(header + 4);
  if (left < kRecordOverhead || length > left - kRecordOverhead) {
    return "a record of " + std::to_string(length) + " payload bytes runs past the end of the file";
  }
  payload.resize(static_cast<size_t>(length) + 4);
  SLUICE_RETURN_IF_ERROR(read_exact(at + kRecordHeaderSize, payload.size(), payload.data()));
  const uint32_t stored = get_u32_le(payload.data() + length);
  payload.resize(static_cast<size_t>(length));
  const uint32_t computed = checksum::crc32c(payload);
  if (stored != computed) {
    char text[96];
    std::snprintf(text, sizeof(text), "CRC-32C mismatch (stored 0x%08x, computed 0x%08x)", stored,
                  computed);
    return std::string(text);
  }
  return std::string();
}

Result<bool> BinlogFileReader::valid_record_after(uint64_t at) {
  std::string chunk;
  std::string payload;
  const char first = static_cast<char>(kRecordMagic & 0xFF);
  for (uint64_t start = at + 1; start + kRecordOverhead <= size_;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kScanChunk, size_ - start));
    chunk.resize(want);
    SLUICE_RETURN_IF_ERROR(read_exact(start, want, chunk.data()));
    for (size_t i = 0; i < want; ++i) {
      if (chunk[i] != first) continue;
      SLUICE_ASSIGN_OR_RETURN(std::string why, check_record(start + i, payload));
      if (why.empty()) {
        resume_at_ = start + i;
        return true;
      }
    }
    start += want;
  }
  return false;
}

Result<bool> BinlogFileReader::next(std::string& payload) {
  torn_tail_ = false;
  resume_at_ = offset_;
  if (offset_ >= size_) return false;
  SLUICE_ASSIGN_OR_RETURN(std::string why, check_record(offset_, payload));
  if (why.empty()) {
    offset_ += kRecordOverhead + payload.size();
    return true;
  }
  SLUICE_ASSIGN_OR_RETURN(bool followed, valid_record_after(offset_));
  torn_tail_ = !followed;
  return Status::corruption("'" + path_.string() + "' offset " + std::to_string(offset_) + ": " +
                            why +
                            (followed ? ", and valid records follow it (corruption inside the file)"
                                      : " (torn tail: nothing valid follows)"));
}

Result<BinlogFileScan> scan_binlog_file(const std::filesystem::path& path) {
  SLUICE_ASSIGN_OR_RETURN(BinlogFileReader reader, BinlogFileReader::open(path));
  BinlogFileScan scan;
  scan.file_size = reader.size();
  std::string payload;
  for (;;) {
    Result<bool> more = reader.next(payload);
    if (!more.is_ok()) {
      if (more.status().code() == StatusCode::kCorruption && reader.torn_tail()) {
        scan.valid_size = reader.offset();
        scan.torn_reason = more.status().message();
        return scan;
      }
      return more.status();
    }
    if (!*more) break;
    ++scan.records;
  }
  scan.valid_size = reader.offset();
  return scan;
}

Result<std::vector<std::string>> read_binlog_directory(const std::filesystem::path& dir) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<BinlogFileEntry> files, list_binlog_files(dir));
  std::vector<std::string> payloads;
  for (const BinlogFileEntry& file : files) {
    SLUICE_ASSIGN_OR_RETURN(BinlogFileReader reader, BinlogFileReader::open(file.path));
    std::string payload;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool more, reader.next(payload));
      if (!more) break;
      payloads.push_back(std::move(payload));
    }
  }
  return payloads;
}

}  // namespace sluice::file
