#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/metrics/metrics_registry.h"
#include "core/proto/binlog.pb.h"
#include "core/storage/binlog_store.h"
#include "core/storage/pairing_sorter.h"
#include "core/storage/storage_keys.h"
#include "core/tso/tso.h"
#include "tests/core/storage/storage_test_util.h"

namespace sluice::storage {
namespace {

using testing::commit_bytes;
using testing::fake_bytes;
using testing::prewrite_bytes;
using testing::rollback_bytes;
using testing::TempDir;

StorageOptions test_options(const std::string& dir) {
  StorageOptions options;
  options.data_dir = dir;
  options.resolve_interval = std::chrono::milliseconds(0);  // tests drive the resolver
  options.stop_write_at_available_space = 0;
  options.write_buffer_size = 4 << 20;
  return options;
}

std::unique_ptr<BinlogStore> open_store(const StorageOptions& options,
                                        std::shared_ptr<TransactionStatusResolver> resolver = {},
                                        metrics::MetricsRegistry* registry = nullptr) {
  auto store = BinlogStore::open(options, std::move(resolver), registry);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store.is_ok() ? std::move(store).value() : nullptr;
}

std::vector<int64_t> visible_commit_ts(const BinlogStore& store, int64_t after = 0) {
  auto result = store.read(after, 1000, 1 << 30);
  EXPECT_TRUE(result.is_ok()) << result.status().to_string();
  std::vector<int64_t> out;
  for (const auto& b : result->binlogs)
    out.push_back(b.commit_ts);
  return out;
}

TEST(StorageKeys, BigEndianTimestampKeysAndLittleEndianValues) {
  EXPECT_EQ(encode_ts_key(0x0102030405060708), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(decode_ts_key(std::string("\x00\x00\x00\x00\x00\x00\x01\x00", 8)), 256);
  EXPECT_EQ(encode_int64_le(0x0102), std::string("\x02\x01\x00\x00\x00\x00\x00\x00", 8));
  EXPECT_EQ(decode_int64_le(encode_int64_le(-5)), -5);
  EXPECT_FALSE(decode_ts_key("abc").has_value());
  EXPECT_LT(encode_ts_key(255), encode_ts_key(256));  // bytewise order = numeric order
}

TEST(PairingSorter, PrewriteAtHeadBlocksLaterCommits) {
  PairingSorter sorter;
  ASSERT_TRUE(sorter.add_prewrite(1, nullptr, PairingSorter::PrewriteState::kDurable));
  uint64_t c = sorter.add_commit(30);
  sorter.commit_durable(c);
  EXPECT_FALSE(sorter.advance());
  EXPECT_EQ(sorter.max_commit_ts(), 0);
  sorter.finish_prewrite(1);
  EXPECT_TRUE(sorter.advance());
  EXPECT_EQ(sorter.max_commit_ts(), 30);
  // An in-flight commit blocks as well; a failed one is skipped.
  uint64_t c1 = sorter.add_commit(40);
  uint64_t c2 = sorter.add_commit(50);
  sorter.commit_durable(c2);
  EXPECT_FALSE(sorter.advance());
  sorter.commit_failed(c1);
  EXPECT_TRUE(sorter.advance());
  EXPECT_EQ(sorter.max_commit_ts(), 50);
}

TEST(BinlogStore, PrewriteThenCommitReadsJoinedBinlog) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->write(prewrite_bytes(100, "rows", "create table t (a int)", 7)).is_ok());
  EXPECT_EQ(store->max_commit_ts(), 0);
  EXPECT_EQ(store->pending_prewrites(), std::vector<int64_t>{100});
  ASSERT_TRUE(store->write(commit_bytes(100, 105)).is_ok());
  EXPECT_EQ(store->max_commit_ts(), 105);
  EXPECT_TRUE(store->all_matched());

  auto result = store->read(0, 10, 1 << 20);
  ASSERT_TRUE(result.is_ok());
  ASSERT_EQ(result->binlogs.size(), 1u);
  EXPECT_EQ(result->binlogs[0].start_ts, 100);
  EXPECT_EQ(result->binlogs[0].commit_ts, 105);
  binlog::Binlog joined;
  ASSERT_TRUE(joined.ParseFromString(result->binlogs[0].payload));
  EXPECT_EQ(joined.tp(), binlog::Commit);
  EXPECT_EQ(joined.start_ts(), 100);
  EXPECT_EQ(joined.commit_ts(), 105);
  EXPECT_EQ(joined.prewrite_value(), "rows");
  EXPECT_EQ(joined.ddl_query(), "create table t (a int)");
  EXPECT_EQ(joined.ddl_job_id(), 7);
  EXPECT_EQ(joined.ddl_schema_state(), 5);
  EXPECT_EQ(joined.ddl_job_json(), "{\"id\":7}");
  EXPECT_FALSE(joined.has_prewrite_key());
  // Nothing after the last one.
  EXPECT_TRUE(store->read(105, 10, 1 << 20)->binlogs.empty());
}

TEST(BinlogStore, OutOfOrderCommitsComeOutOrdered) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->write(prewrite_bytes(1, "a")).is_ok());
  ASSERT_TRUE(store->write(prewrite_bytes(2, "b")).is_ok());
  ASSERT_TRUE(store->write(commit_bytes(2, 20)).is_ok());
  EXPECT_EQ(store->max_commit_ts(), 0);  // P1 at the head blocks C2
  EXPECT_TRUE(visible_commit_ts(*store).empty());
  ASSERT_TRUE(store->write(commit_bytes(1, 10)).is_ok());
  EXPECT_EQ(store->max_commit_ts(), 20);
  EXPECT_EQ(visible_commit_ts(*store), (std::vector<int64_t>{10, 20}));
}

TEST(BinlogStore, RollbackUnblocksAndStoresNothing) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->write(prewrite_bytes(1, "a")).is_ok());
  ASSERT_TRUE(store->write(prewrite_bytes(2, "b")).is_ok());
  ASSERT_TRUE(store->write(commit_bytes(2, 20)).is_ok());
  EXPECT_EQ(store->max_commit_ts(), 0);
  ASSERT_TRUE(store->write(rollback_bytes(1)).is_ok());
  EXPECT_EQ(store->max_commit_ts(), 20);
  EXPECT_EQ(visible_commit_ts(*store), std::vector<int64_t>{20});
  EXPECT_TRUE(store->all_matched());
  // A rollback for an unknown transaction is harmless.
  EXPECT_TRUE(store->write(rollback_bytes(99)).is_ok());
}

TEST(BinlogStore, FakeBinlogsAdvanceOnlyWhenNothingPendsAndPassThrough) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->write(fake_bytes(50)).is_ok());
  EXPECT_EQ(store->max_commit_ts(), 50);
  ASSERT_TRUE(store->write(prewrite_bytes(60, "x")).is_ok());
  ASSERT_TRUE(store->write(fake_bytes(70)).is_ok());
  EXPECT_EQ(store->max_commit_ts(), 50);  // the pending P blocks the fake too
  ASSERT_TRUE(store->write(commit_bytes(60, 80)).is_ok());
  EXPECT_EQ(store->max_commit_ts(), 80);
  auto result = store->read(0, 10, 1 << 20);
  ASSERT_TRUE(result.is_ok());
  ASSERT_EQ(result->binlogs.size(), 3u);
  EXPECT_EQ(result->binlogs[0].payload, fake_bytes(50));
  EXPECT_EQ(result->binlogs[1].payload, fake_bytes(70));
  EXPECT_EQ(result->binlogs[2].commit_ts, 80);
}

TEST(BinlogStore, BadInputIsRefusedAndNothingStored) {
  TempDir dir;
  metrics::MetricsRegistry registry;
  auto store = open_store(test_options(dir.path()), nullptr, &registry);
  ASSERT_TRUE(store);
  // Commit without prewrite.
  Status status = store->write(commit_bytes(5, 6));
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("commit binlog for start_ts 5 has no prewrite"),
            std::string::npos)
      << status.to_string();
  // Garbage: field 2 as a length-delimited field running past the end.
  status = store->write(std::string("\x12\x7f\x01", 3));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.to_string();
  EXPECT_NE(status.message().find("malformed binlog"), std::string::npos);
  status = store->write(std::string("\x10", 1));  // truncated varint
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  // Five 0xFF bytes: an unterminated tag that once parsed as an all-zero header (a probe).
  status = store->write(std::string(5, '\xff'));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.to_string();
  // Field number 0 does not exist.
  status = store->write(std::string("\x00\x01", 2));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.to_string();
  // Empty payload: a probe.
  EXPECT_TRUE(store->write("").is_ok());
  EXPECT_EQ(store->max_commit_ts(), 0);
  EXPECT_TRUE(visible_commit_ts(*store).empty());
  EXPECT_TRUE(store->all_matched());
  std::string text = registry.render_text();
  EXPECT_NE(text.find("binlog_pump_storage_error_count{type=\"commit_without_prewrite\"} 1"),
            std::string::npos)
      << text;
}

TEST(BinlogStore, DuplicateCommitIsIdempotentAlsoAfterRestart) {
  TempDir dir;
  auto options = test_options(dir.path());
  {
    auto store = open_store(options);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->write(prewrite_bytes(1, "a")).is_ok());
    ASSERT_TRUE(store->write(commit_bytes(1, 10)).is_ok());
    EXPECT_TRUE(store->write(commit_bytes(1, 10)).is_ok());
    EXPECT_FALSE(store->write(commit_bytes(1, 11)).is_ok());
  }
  options.recent_commits_capacity = 0;  // force the RocksDB lookup
  auto store = open_store(options);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->write(commit_bytes(1, 10)).is_ok());
  EXPECT_EQ(visible_commit_ts(*store), std::vector<int64_t>{10});
}

TEST(BinlogStore, HugePayloadRoundTrips) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  std::string value(32u << 20, '\0');
  for (size_t i = 0; i < value.size(); ++i)
    value[i] = static_cast<char>((i * 131) >> 7);
  ASSERT_TRUE(store->write(prewrite_bytes(7, value)).is_ok());
  ASSERT_TRUE(store->write(commit_bytes(7, 8)).is_ok());
  auto result = store->read(0, 10, 1);  // max_bytes below one binlog still returns one
  ASSERT_TRUE(result.is_ok());
  ASSERT_EQ(result->binlogs.size(), 1u);
  binlog::Binlog joined;
  ASSERT_TRUE(joined.ParseFromString(result->binlogs[0].payload));
  EXPECT_TRUE(joined.prewrite_value() == value);
}

TEST(BinlogStore, ReadHonoursLimits) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  for (int64_t ts = 1; ts <= 10; ++ts)
    ASSERT_TRUE(store->write(fake_bytes(ts * 10)).is_ok());
  auto result = store->read(25, 3, 1 << 20);
  ASSERT_TRUE(result.is_ok());
  ASSERT_EQ(result->binlogs.size(), 3u);
  EXPECT_EQ(result->binlogs[0].commit_ts, 30);
  EXPECT_EQ(result->binlogs[2].commit_ts, 50);
  size_t one = fake_bytes(10).size();
  EXPECT_EQ(store->read(0, 100, one * 2)->binlogs.size(), 2u);
}

TEST(BinlogStore, ReopenKeepsDataAndPendingPrewritesStillBlock) {
  TempDir dir;
  auto options = test_options(dir.path());
  {
    auto store = open_store(options);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->write(prewrite_bytes(1, "a")).is_ok());
    ASSERT_TRUE(store->write(commit_bytes(1, 10)).is_ok());
    ASSERT_TRUE(store->write(prewrite_bytes(2, "b")).is_ok());
    ASSERT_TRUE(store->write(prewrite_bytes(3, "c")).is_ok());
    ASSERT_TRUE(store->write(commit_bytes(3, 30)).is_ok());
    EXPECT_EQ(store->max_commit_ts(), 10);
    ASSERT_TRUE(store->put_meta("cluster_id", "6789").is_ok());
  }
  auto store = open_store(options);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->max_commit_ts(), 10);
  EXPECT_EQ(store->pending_prewrites(), std::vector<int64_t>{2});
  EXPECT_EQ(visible_commit_ts(*store), std::vector<int64_t>{10});
  EXPECT_EQ(store->get_meta("cluster_id")->value_or(""), "6789");
  ASSERT_TRUE(store->write(commit_bytes(2, 40)).is_ok());
  EXPECT_EQ(visible_commit_ts(*store), (std::vector<int64_t>{10, 30, 40}));
  binlog::Binlog joined;
  ASSERT_TRUE(joined.ParseFromString(store->read(30, 1, 1 << 20)->binlogs[0].payload));
  EXPECT_EQ(joined.prewrite_value(), "b");
}

// Prewrites waiting for their commits are held in memory only up to the bound; the rest stay on
// disk and their commits read them back, also after a reopen.
TEST(BinlogStore, PendingPrewritesInMemoryStayUnderTheBound) {
  TempDir dir;
  auto options = test_options(dir.path());
  options.max_pending_prewrite_memory = 8u << 20;
  const std::string value(1u << 20, 'p');
  {
    auto store = open_store(options);
    ASSERT_TRUE(store);
    for (int64_t start_ts = 1; start_ts <= 100; ++start_ts) {
      ASSERT_TRUE(store->write(prewrite_bytes(start_ts, value + std::to_string(start_ts))).is_ok());
      ASSERT_LE(store->pending_prewrite_memory(), options.max_pending_prewrite_memory);
    }
    EXPECT_GT(store->pending_prewrite_memory(), 0u);
    for (int64_t start_ts = 1; start_ts <= 50; ++start_ts)
      ASSERT_TRUE(store->write(commit_bytes(start_ts, 1000 + start_ts)).is_ok());
  }
  auto store = open_store(options);
  ASSERT_TRUE(store);
  EXPECT_LE(store->pending_prewrite_memory(), options.max_pending_prewrite_memory);
  for (int64_t start_ts = 51; start_ts <= 100; ++start_ts)
    ASSERT_TRUE(store->write(commit_bytes(start_ts, 1000 + start_ts)).is_ok());
  EXPECT_EQ(store->pending_prewrite_memory(), 0u);
  int64_t after = 0;
  int64_t seen = 0;
  while (true) {
    auto read = store->read(after, 10, 64u << 20);
    ASSERT_TRUE(read.is_ok());
    if (read->binlogs.empty()) break;
    for (const auto& stored : read->binlogs) {
      binlog::Binlog joined;
      ASSERT_TRUE(joined.ParseFromString(stored.payload));
      EXPECT_EQ(joined.prewrite_value(), value + std::to_string(joined.start_ts()));
      after = stored.commit_ts;
      ++seen;
    }
  }
  EXPECT_EQ(seen, 100);
}

TEST(BinlogStore, SecondOpenFailsClearly) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  auto second = BinlogStore::open(test_options(dir.path()));
  ASSERT_FALSE(second.is_ok());
  EXPECT_NE(second.status().message().find("open RocksDB at"), std::string::npos)
      << second.status().to_string();
  EXPECT_NE(second.status().message().find("lock"), std::string::npos)
      << second.status().to_string();
}

class FixedResolver : public TransactionStatusResolver {
 public:
  explicit FixedResolver(TransactionStatus answer) : answer_(answer) {}
  Result<TransactionStatus> resolve(int64_t, std::string_view key) override {
    last_key = std::string(key);
    return answer_;
  }
  std::string last_key;

 private:
  TransactionStatus answer_;
};

TEST(BinlogStore, DefaultResolverDropsTimedOutPrewrite) {
  TempDir dir;
  metrics::MetricsRegistry registry;
  auto options = test_options(dir.path());
  options.max_txn_timeout = std::chrono::milliseconds(1000);
  std::atomic<int64_t> now{tso::compose(10'000, 0)};
  options.now_tso = [&] { return now.load(); };
  auto store = open_store(options, nullptr, &registry);
  ASSERT_TRUE(store);
  int64_t p1 = tso::compose(9'500, 1);
  int64_t p2 = tso::compose(9'600, 1);
  ASSERT_TRUE(store->write(prewrite_bytes(p1, "a")).is_ok());
  ASSERT_TRUE(store->write(prewrite_bytes(p2, "b")).is_ok());
  ASSERT_TRUE(store->write(commit_bytes(p2, p2 + 5)).is_ok());
  EXPECT_EQ(store->resolve_unmatched().value_or(99), 0u);  // younger than the timeout
  EXPECT_EQ(store->max_commit_ts(), 0);
  now = tso::compose(10'600, 0);
  EXPECT_EQ(store->resolve_unmatched().value_or(99), 1u);
  EXPECT_EQ(store->max_commit_ts(), p2 + 5);
  EXPECT_TRUE(store->all_matched());
  EXPECT_NE(registry.render_text().find(
                "binlog_pump_storage_unmatched_prewrite_total{result=\"rolled_back\"} 1"),
            std::string::npos);
}

TEST(BinlogStore, CommittedResolverWritesJoinedCommit) {
  TempDir dir;
  auto options = test_options(dir.path());
  options.max_txn_timeout = std::chrono::milliseconds(0);
  auto resolver = std::make_shared<FixedResolver>(
      TransactionStatus{TransactionStatus::Kind::kCommitted, tso::compose(2000, 3)});
  auto store = open_store(options, resolver);
  ASSERT_TRUE(store);
  int64_t p = tso::compose(1000, 1);
  ASSERT_TRUE(store->write(prewrite_bytes(p, "payload")).is_ok());
  EXPECT_EQ(store->resolve_unmatched().value_or(99), 1u);
  EXPECT_EQ(resolver->last_key, "pk-" + std::to_string(p));
  auto result = store->read(0, 10, 1 << 20);
  ASSERT_TRUE(result.is_ok());
  ASSERT_EQ(result->binlogs.size(), 1u);
  binlog::Binlog joined;
  ASSERT_TRUE(joined.ParseFromString(result->binlogs[0].payload));
  EXPECT_EQ(joined.tp(), binlog::Commit);
  EXPECT_EQ(joined.start_ts(), p);
  EXPECT_EQ(joined.commit_ts(), tso::compose(2000, 3));
  EXPECT_EQ(joined.prewrite_value(), "payload");
}

TEST(BinlogStore, InProgressResolverKeepsWaiting) {
  TempDir dir;
  auto options = test_options(dir.path());
  options.max_txn_timeout = std::chrono::milliseconds(0);
  auto store = open_store(options, std::make_shared<FixedResolver>(TransactionStatus{}));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->write(prewrite_bytes(5, "p")).is_ok());
  EXPECT_EQ(store->resolve_unmatched().value_or(99), 0u);
  EXPECT_EQ(store->pending_prewrites(), std::vector<int64_t>{5});
}

TEST(BinlogStore, GcRespectsProtectionAndClampsReads) {
  TempDir dir;
  auto options = test_options(dir.path());
  {
    auto store = open_store(options);
    ASSERT_TRUE(store);
    for (int64_t ts = 1; ts <= 10; ++ts)
      ASSERT_TRUE(store->write(fake_bytes(ts * 10)).is_ok());
    // A drainer still needs 40 and up: only < 40 goes although gc_ts is 70.
    ASSERT_TRUE(store->gc(70, 40).is_ok());
    EXPECT_EQ(store->gc_ts(), 70);
    EXPECT_EQ(store->purged_ts(), 40);
    auto result = store->read(0, 100, 1 << 20);
    ASSERT_TRUE(result.is_ok());
    EXPECT_TRUE(result->clamped_to_gc);
    ASSERT_FALSE(result->binlogs.empty());
    EXPECT_EQ(result->binlogs.front().commit_ts, 40);
    EXPECT_FALSE(store->read(39, 100, 1 << 20)->clamped_to_gc);
    // Protection lifted: the purge catches up with gc_ts.
    ASSERT_TRUE(store->gc(70).is_ok());
    EXPECT_EQ(store->purged_ts(), 70);
    EXPECT_EQ(visible_commit_ts(*store, 69), (std::vector<int64_t>{70, 80, 90, 100}));
    // gc never passes the safe point.
    ASSERT_TRUE(store->gc(1000).is_ok());
    EXPECT_EQ(store->gc_ts(), 100);
  }
  auto store = open_store(options);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->gc_ts(), 100);
  EXPECT_EQ(store->purged_ts(), 100);
  EXPECT_EQ(store->max_commit_ts(), 100);
  EXPECT_EQ(visible_commit_ts(*store, 99), std::vector<int64_t>{100});
}

TEST(BinlogStore, DiskGuardRefusesOnlyPrewrites) {
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
  Status status = store->write(prewrite_bytes(1, "a"));
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "no available space, available: 100, StopWriteAtAvailableSpace: 1000");
  available = 5000;
  ASSERT_TRUE(store->write(prewrite_bytes(1, "a")).is_ok());
  ASSERT_TRUE(store->write(prewrite_bytes(2, "b")).is_ok());
  available = 100;
  EXPECT_FALSE(store->write(prewrite_bytes(3, "c")).is_ok());
  EXPECT_TRUE(store->write(commit_bytes(1, 10)).is_ok());
  EXPECT_TRUE(store->write(rollback_bytes(2)).is_ok());
  EXPECT_TRUE(store->write(fake_bytes(20)).is_ok());
  EXPECT_EQ(visible_commit_ts(*store), (std::vector<int64_t>{10, 20}));
}

TEST(BinlogStore, WaitForProgressWakesOnCommit) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->wait_for_progress(0, std::chrono::milliseconds(10)));
  ASSERT_TRUE(store->write(prewrite_bytes(1, "a")).is_ok());
  std::thread writer([&] { EXPECT_TRUE(store->write(commit_bytes(1, 10)).is_ok()); });
  // Generous timeout: the wake-up, not the timeout, must end the wait.
  EXPECT_TRUE(store->wait_for_progress(0, std::chrono::seconds(30)));
  writer.join();
  EXPECT_EQ(store->max_commit_ts(), 10);
  EXPECT_TRUE(store->wait_for_progress(5, std::chrono::milliseconds(0)));
}

TEST(BinlogStore, ConcurrentWritersKeepOrderAndLoseNothing) {
  TempDir dir;
  auto store = open_store(test_options(dir.path()));
  ASSERT_TRUE(store);
  std::atomic<int64_t> clock{1};
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        int64_t start = clock.fetch_add(1);
        ASSERT_TRUE(store->write(prewrite_bytes(start, "v" + std::to_string(start))).is_ok());
        int64_t commit = clock.fetch_add(1);  // fetched after the P was acknowledged
        ASSERT_TRUE(store->write(commit_bytes(start, commit)).is_ok());
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  auto result = store->read(0, 100000, 1 << 30);
  ASSERT_TRUE(result.is_ok());
  ASSERT_EQ(result->binlogs.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 1; i < result->binlogs.size(); ++i) {
    EXPECT_LT(result->binlogs[i - 1].commit_ts, result->binlogs[i].commit_ts);
  }
  EXPECT_TRUE(store->all_matched());
}

}  // namespace
}  // namespace sluice::storage
