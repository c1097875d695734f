#pragma once
// FaultyFileSystem: the operating system's file system for RocksDB, with writable files whose
// Sync/Fsync (and, when asked, Append) fail on demand: the disk faults the store must survive,
// injected through StorageOptions::file_system. Thread-safe: the switches may be flipped from
// any thread while RocksDB writes.
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace sluice::storage::testing {

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem() : rocksdb::FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFileSystem"; }

  // Every fsync fails (as after an I/O error on a real disk) while set.
  void fail_syncs(bool on) { fail_syncs_->store(on); }
  // Every append fails with "no space" while set.
  void fail_appends(bool on) { fail_appends_->store(on); }
  int failed_calls() const { return failed_calls_->load(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* debug) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, &file, debug);
    if (status.ok()) *result = std::make_unique<File>(std::move(file), *this);
    return status;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, const FaultyFileSystem& owner)
        : rocksdb::FSWritableFileOwnerWrapper(std::move(file)),
          fail_syncs_(owner.fail_syncs_),
          fail_appends_(owner.fail_appends_),
          failed_calls_(owner.failed_calls_) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (fail_appends_->load()) return no_space();
      return rocksdb::FSWritableFileOwnerWrapper::Append(data, options, debug);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* debug) override {
      if (fail_appends_->load()) return no_space();
      return rocksdb::FSWritableFileOwnerWrapper::Append(data, options, info, debug);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
      if (fail_syncs_->load()) return sync_failed();
      return rocksdb::FSWritableFileOwnerWrapper::Sync(options, debug);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      if (fail_syncs_->load()) return sync_failed();
      return rocksdb::FSWritableFileOwnerWrapper::Fsync(options, debug);
    }

   private:
    rocksdb::IOStatus sync_failed() {
      failed_calls_->fetch_add(1);
      return rocksdb::IOStatus::IOError("injected fsync failure");
    }
    rocksdb::IOStatus no_space() {
      failed_calls_->fetch_add(1);
      return rocksdb::IOStatus::NoSpace("injected: no space left on device");
    }
    std::shared_ptr<std::atomic<bool>> fail_syncs_;
    std::shared_ptr<std::atomic<bool>> fail_appends_;
    std::shared_ptr<std::atomic<int>> failed_calls_;
  };

  std::shared_ptr<std::atomic<bool>> fail_syncs_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> fail_appends_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<int>> failed_calls_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace sluice::storage::testing
