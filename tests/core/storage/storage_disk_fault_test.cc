// The store on a disk that fails: an fsync that fails, and a disk that is full, injected through
// StorageOptions::file_system. Writes are refused (never acknowledged) while the disk fails, the
// failure is reported, and writing resumes on its own once the disk works again; nothing that was
// acknowledged is lost.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "core/storage/binlog_store.h"
#include "tests/core/storage/faulty_file_system.h"
#include "tests/core/storage/storage_test_util.h"

namespace sluice::storage {
namespace {

using testing::commit_bytes;
using testing::FaultyFileSystem;
using testing::prewrite_bytes;
using testing::TempDir;

StorageOptions faulty_options(const std::string& dir, std::shared_ptr<FaultyFileSystem> fs) {
  StorageOptions options;
  options.data_dir = dir;
  options.resolve_interval = std::chrono::milliseconds(0);
  options.stop_write_at_available_space = 0;
  options.write_buffer_size = 4 << 20;
  options.file_system = std::move(fs);
  options.recovery_interval = std::chrono::milliseconds(100);
  return options;
}

bool wait_recovered(const BinlogStore& store) {
  for (int i = 0; i < 100 && store.disk_failure().has_value(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return !store.disk_failure().has_value();
}

void expect_fault_refuses_then_recovers(
    const std::function<void(FaultyFileSystem&, bool)>& set_fault) {
  TempDir dir;
  auto fs = std::make_shared<FaultyFileSystem>();
  const auto options = faulty_options(dir.path(), fs);
  auto fault = [&](bool on) { set_fault(*fs, on); };
  {
    auto opened = BinlogStore::open(options);
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    auto& store = **opened;
    ASSERT_TRUE(store.write(prewrite_bytes(10, "a")).is_ok());
    ASSERT_TRUE(store.write(commit_bytes(10, 11)).is_ok());
    ASSERT_TRUE(store.write(prewrite_bytes(20, "b")).is_ok());

    fault(true);
    Status failed = store.write(commit_bytes(20, 21));
    // An I/O error, or "no space" (both answered UNKNOWN by the pump).
    EXPECT_TRUE(failed.code() == StatusCode::kIoError ||
                failed.code() == StatusCode::kResourceExhausted)
        << failed.to_string();
    ASSERT_TRUE(store.disk_failure().has_value());
    // Refused at once while the disk fails, naming the failure.
    Status refused = store.write(prewrite_bytes(30, "c"));
    EXPECT_EQ(refused.code(), StatusCode::kIoError) << refused.to_string();
    EXPECT_NE(refused.message().find("try again"), std::string::npos) << refused.message();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_TRUE(store.disk_failure().has_value()) << "recovered while the disk still fails";

    fault(false);
    ASSERT_TRUE(wait_recovered(store)) << store.disk_failure()->to_string();
    // The SQL node's retry of the commit, then new work.
    ASSERT_TRUE(store.write(commit_bytes(20, 21)).is_ok());
    ASSERT_TRUE(store.write(prewrite_bytes(30, "c")).is_ok());
    ASSERT_TRUE(store.write(commit_bytes(30, 31)).is_ok());
    auto read = store.read(0, 10, 1 << 20);
    ASSERT_TRUE(read.is_ok());
    ASSERT_EQ(read->binlogs.size(), 3u);
    EXPECT_EQ(read->binlogs[0].commit_ts, 11);
    EXPECT_EQ(read->binlogs[1].commit_ts, 21);
    EXPECT_EQ(read->binlogs[2].commit_ts, 31);
  }
  // And after a reopen: every acknowledged binlog is there.
  auto reopened = BinlogStore::open(options);
  ASSERT_TRUE(reopened.is_ok()) << reopened.status().to_string();
  auto read = (*reopened)->read(0, 10, 1 << 20);
  ASSERT_TRUE(read.is_ok());
  ASSERT_EQ(read->binlogs.size(), 3u);
  EXPECT_EQ(read->binlogs[2].commit_ts, 31);
  EXPECT_GT(fs->failed_calls(), 0);
}

TEST(BinlogStoreDiskFault, AFailedFsyncRefusesWritesUntilTheDiskWorksAgain) {
  expect_fault_refuses_then_recovers([](FaultyFileSystem& fs, bool on) { fs.fail_syncs(on); });
}

TEST(BinlogStoreDiskFault, AFullDiskRefusesWritesUntilSpaceReturns) {
  expect_fault_refuses_then_recovers([](FaultyFileSystem& fs, bool on) { fs.fail_appends(on); });
}

}  // namespace
}  // namespace sluice::storage
