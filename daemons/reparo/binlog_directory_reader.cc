#include "daemons/reparo/binlog_directory_reader.h"

#include <spdlog/spdlog.h>

#include <system_error>

namespace sluice::reparo {

Result<BinlogDirectoryReader> BinlogDirectoryReader::open(const std::filesystem::path& dir,
                                                          bool skip_corrupt) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return Status::not_found("data-dir '" + dir.string() + "' is not a directory");
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<file::BinlogFileEntry> files, file::list_binlog_files(dir));
  return BinlogDirectoryReader(std::move(files), skip_corrupt);
}

Result<bool> BinlogDirectoryReader::next(BinlogRecord& record) {
  while (!done_) {
    if (!reader_) {
      if (next_file_ >= files_.size()) {
        done_ = true;
        break;
      }
      SLUICE_ASSIGN_OR_RETURN(file::BinlogFileReader opened,
                              file::BinlogFileReader::open(files_[next_file_].path));
      reader_.emplace(std::move(opened));
      ++next_file_;
      spdlog::info("reading {}", reader_->path().string());
    }
    const uint64_t at = reader_->offset();
    Result<bool> more = reader_->next(record.payload);
    if (more.is_ok()) {
      if (!*more) {
        reader_.reset();
        continue;
      }
      record.file = reader_->path();
      record.offset = at;
      return true;
    }
    if (more.status().code() != StatusCode::kCorruption) return more.status();
    const bool newest = next_file_ == files_.size();
    if (reader_->torn_tail() && newest) {
      spdlog::warn("{}; stopping there (a write cut short by a crash)", more.status().message());
      torn_tail_ = true;
      done_ = true;
      break;
    }
    if (!skip_corrupt_) return more.status();
    ++skipped_;
    if (reader_->torn_tail()) {
      spdlog::warn("skip-corrupt: {}; going on with the next file", more.status().message());
      reader_.reset();
      continue;
    }
    const uint64_t resumed = reader_->skip_bad_record();
    spdlog::warn("skip-corrupt: {}; skipped {} bytes, going on at offset {}",
                 more.status().message(), resumed - at, resumed);
  }
  return false;
}

}  // namespace sluice::reparo
