// BinlogStore::write_async(): the completion runs after the group's fsync, errors reach the
// callback, and shutdown() returns only after every queued write was called back.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "core/storage/binlog_store.h"
#include "tests/core/storage/storage_test_util.h"

namespace sluice::storage {
namespace {

using testing::commit_bytes;
using testing::fake_bytes;
using testing::prewrite_bytes;
using testing::TempDir;

StorageOptions test_options(const std::string& dir) {
  StorageOptions options;
  options.data_dir = dir;
  options.resolve_interval = std::chrono::milliseconds(0);
  options.stop_write_at_available_space = 0;
  options.write_buffer_size = 4 << 20;
  return options;
}

std::unique_ptr<BinlogStore> open_store(const StorageOptions& options, bool statistics = false) {
  auto store = BinlogStore::open(options, nullptr, nullptr, statistics);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store.is_ok() ? std::move(store).value() : nullptr;
}

// 0 unless the store collects statistics.
uint64_t wal_syncs(const BinlogStore& store) {
  const std::optional<StoreStatistics> statistics = store.statistics();
  return statistics ? statistics->wal_syncs : 0;
}

// What one callback saw when it ran.
struct Completion {
  Status status;
  std::thread::id thread;
  uint64_t wal_syncs = 0;
  int64_t max_commit_ts = 0;
  std::vector<int64_t> pending;
};

Completion write_and_wait(BinlogStore& store, const std::string& bytes) {
  std::promise<Completion> promise;
  std::future<Completion> future = promise.get_future();
  store.write_async(bytes, [&](Status status) {
    promise.set_value({std::move(status), std::this_thread::get_id(), wal_syncs(store),
                       store.max_commit_ts(), store.pending_prewrites()});
  });
  return future.get();
}

TEST(BinlogStoreAsync, CompletionRunsOnTheCommitThreadAfterTheSync) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()), /*statistics=*/true);
  ASSERT_TRUE(store);
  const uint64_t before = wal_syncs(*store);

  Completion prewrite = write_and_wait(*store, prewrite_bytes(5, "v"));
  ASSERT_TRUE(prewrite.status.is_ok()) << prewrite.status.to_string();
  EXPECT_NE(prewrite.thread, std::this_thread::get_id());
  EXPECT_EQ(prewrite.wal_syncs, before + 1);  // the WAL was fsync'd before the callback
  EXPECT_EQ(prewrite.pending, (std::vector<int64_t>{5}));

  Completion commit = write_and_wait(*store, commit_bytes(5, 9));
  ASSERT_TRUE(commit.status.is_ok()) << commit.status.to_string();
  EXPECT_EQ(commit.wal_syncs, before + 2);
  // Settled before the callback: the commit is already visible to readers.
  EXPECT_EQ(commit.max_commit_ts, 9);
  EXPECT_TRUE(commit.pending.empty());

  // Durable: a reopened store has it.
  store.reset();
  store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  auto read = store->read(0, 10, 1 << 20);
  ASSERT_TRUE(read.is_ok());
  ASSERT_EQ(read->binlogs.size(), 1u);
  EXPECT_EQ(read->binlogs[0].start_ts, 5);
  EXPECT_EQ(read->binlogs[0].commit_ts, 9);
}

TEST(BinlogStoreAsync, WritesQueuedDuringAnFsyncShareTheNextOne) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()), /*statistics=*/true);
  ASSERT_TRUE(store);
  const uint64_t before = wal_syncs(*store);
  constexpr int kQueued = 100;
  // The first callback holds the commit thread until every other write is queued behind it.
  std::latch in_callback(1);
  std::latch queued(1);
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
  std::promise<void> all_done;
  auto callback = [&](Status status) {
    if (!status.is_ok()) ++failed;
    if (++done == kQueued + 1) all_done.set_value();
  };
  store->write_async(prewrite_bytes(1, "first"), [&](Status status) {
    in_callback.count_down();
    queued.wait();
    callback(std::move(status));
  });
  in_callback.wait();  // the first write's group is done: the rest queue behind it
  for (int i = 0; i < kQueued; ++i) {
    store->write_async(prewrite_bytes(100 + i, std::string(512, 'x')), callback);
  }
  queued.count_down();
  all_done.get_future().wait();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wal_syncs(*store), before + 2);  // the first alone, then the 100 as one group
  EXPECT_EQ(store->pending_prewrites().size(), static_cast<size_t>(kQueued + 1));
}

TEST(BinlogStoreAsync, ErrorsReachTheCallback) {
  TempDir dir;
  auto options = test_options(dir.path());
  std::atomic<uint64_t> available{100};
  options.stop_write_at_available_space = 1000;
  options.disk_check_interval = std::chrono::milliseconds(0);
  options.available_space_probe = [&](const std::string&) -> Result<uint64_t> {
    return available.load();
  };
  auto store = open_store(options);
  ASSERT_TRUE(store);

  Completion malformed = write_and_wait(*store, std::string("\x12\x7f\x01", 3));
  EXPECT_EQ(malformed.status.code(), StatusCode::kInvalidArgument);
  // Known without a disk write: called back on the caller's thread.
  EXPECT_EQ(malformed.thread, std::this_thread::get_id());

  Completion no_space = write_and_wait(*store, prewrite_bytes(1, "a"));
  EXPECT_EQ(no_space.status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(no_space.status.message(),
            "no available space, available: 100, StopWriteAtAvailableSpace: 1000");

  Completion orphan = write_and_wait(*store, commit_bytes(2, 3));
  EXPECT_EQ(orphan.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(orphan.status.message(), "commit binlog for start_ts 2 has no prewrite");

  available = 5000;
  ASSERT_TRUE(write_and_wait(*store, prewrite_bytes(4, "b")).status.is_ok());
  ASSERT_TRUE(write_and_wait(*store, commit_bytes(4, 6)).status.is_ok());
  Completion conflict = write_and_wait(*store, commit_bytes(4, 7));
  EXPECT_EQ(conflict.status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(conflict.status.message(), "start_ts 4 already committed at 6, not 7");
  // A duplicate of a done commit is OK without a write.
  Completion duplicate = write_and_wait(*store, commit_bytes(4, 6));
  EXPECT_TRUE(duplicate.status.is_ok());
  EXPECT_EQ(duplicate.thread, std::this_thread::get_id());

  store->shutdown();
  Completion late = write_and_wait(*store, fake_bytes(20));
  EXPECT_EQ(late.status.code(), StatusCode::kAborted);
  EXPECT_EQ(store->max_commit_ts(), 6);
}

TEST(BinlogStoreAsync, CallbackMayQueueTheNextWrite) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  std::promise<Status> committed;
  store->write_async(prewrite_bytes(1, "a"), [&](Status status) {
    if (!status.is_ok()) return committed.set_value(status);
    store->write_async(commit_bytes(1, 2),
                       [&](Status commit) { committed.set_value(std::move(commit)); });
  });
  Status status = committed.get_future().get();
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(store->max_commit_ts(), 2);
}

TEST(BinlogStoreAsync, ShutdownCallsBackEveryQueuedWriteAndKeepsTheAcknowledgedOnes) {
  TempDir dir;
  std::set<int64_t> acknowledged;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::atomic<int> callbacks{0};
  std::atomic<int> aborted{0};
  std::atomic<int> other{0};
  {
    auto store = open_store(test_options(dir.path()));
    ASSERT_TRUE(store);
    std::mutex mutex;
    std::latch started(kThreads + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        started.arrive_and_wait();
        for (int i = 0; i < kPerThread; ++i) {
          const int64_t start_ts = 1 + t * kPerThread + i;
          store->write_async(prewrite_bytes(start_ts, "v"), [&, start_ts](Status status) {
            if (status.is_ok()) {
              std::lock_guard lock(mutex);
              acknowledged.insert(start_ts);
            } else if (status.code() == StatusCode::kAborted) {
              ++aborted;
            } else {
              ++other;
            }
            ++callbacks;
          });
        }
      });
    }
    started.arrive_and_wait();
    store->shutdown();  // while the writers are queuing
    // Every write queued before the shutdown was called back by now; the rest fail at once.
    for (auto& thread : threads)
      thread.join();
    EXPECT_EQ(callbacks.load(), kThreads * kPerThread);
    EXPECT_EQ(other.load(), 0);
    const int seen = callbacks.load();
    store.reset();
    EXPECT_EQ(callbacks.load(), seen);  // none after the destructor
  }
  EXPECT_EQ(acknowledged.size() + static_cast<size_t>(aborted.load()),
            static_cast<size_t>(kThreads * kPerThread));
  // Every acknowledged prewrite is on disk, and nothing else.
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  const std::vector<int64_t> pending = store->pending_prewrites();
  EXPECT_EQ(std::set<int64_t>(pending.begin(), pending.end()), acknowledged);
}

}  // namespace
}  // namespace sluice::storage
