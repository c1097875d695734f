#include "core/merge/merger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

namespace sluice::merge {
namespace {

using std::chrono::milliseconds;

MergeItem item(const std::string& source, int64_t ts, bool fake = false) {
  return MergeItem{ts, source, "binlog@" + std::to_string(ts), fake};
}

std::vector<int64_t> drain(Merger& merger, size_t count) {
  std::vector<int64_t> out;
  while (out.size() < count) {
    auto next = merger.pop(milliseconds(200));
    if (!next) break;
    out.push_back(next->commit_ts);
  }
  return out;
}

TEST(Merger, InterleavedPumpsComeOutInGlobalOrderAndAnIdlePumpStalls) {
  Merger merger;
  for (const char* pump : {"p1", "p2", "p3"})
    ASSERT_TRUE(merger.add_source(pump, 0).is_ok());
  for (int64_t ts : {10, 40, 70})
    ASSERT_TRUE(merger.push(item("p1", ts)).is_ok());
  for (int64_t ts : {20, 50})
    ASSERT_TRUE(merger.push(item("p2", ts)).is_ok());
  // p3 is idle: nothing may be emitted, because p3 could still deliver something below 10.
  EXPECT_FALSE(merger.pop(milliseconds(50)).has_value());
  EXPECT_EQ(merger.stalled_sources(milliseconds(0)), std::vector<std::string>{"p3"});
  // Quiet for less than the threshold: not (yet) named, a watermark may be on its way.
  EXPECT_TRUE(merger.stalled_sources(std::chrono::hours(1)).empty());
  // p3's watermark (a fake binlog at 60) lets everything below 60 through.
  ASSERT_TRUE(merger.push(item("p3", 60, true)).is_ok());
  EXPECT_EQ(drain(merger, 4), (std::vector<int64_t>{10, 20, 40, 50}));
  // 60 waits for p2 (empty now), even though p1 has 70 queued.
  EXPECT_FALSE(merger.pop(milliseconds(50)).has_value());
  ASSERT_TRUE(merger.push(item("p2", 80)).is_ok());
  auto fake = merger.pop(milliseconds(50));
  ASSERT_TRUE(fake.has_value());
  EXPECT_EQ(fake->commit_ts, 60);
  EXPECT_TRUE(fake->fake);
  EXPECT_EQ(merger.stats().emitted, 5u);
}

TEST(Merger, DuplicatesAndDisorderAreDroppedAndCounted) {
  Merger merger;
  ASSERT_TRUE(merger.add_source("a", 0).is_ok());
  ASSERT_TRUE(merger.add_source("b", 0).is_ok());
  ASSERT_TRUE(merger.push(item("a", 10)).is_ok());
  ASSERT_TRUE(merger.push(item("a", 10)).is_ok());  // a replayed item from the same pump
  ASSERT_TRUE(merger.push(item("a", 5)).is_ok());   // below what a already sent
  ASSERT_TRUE(merger.push(item("b", 10)).is_ok());  // the same ts from another pump: duplicate
  ASSERT_TRUE(merger.push(item("b", 30)).is_ok());
  ASSERT_TRUE(merger.push(item("a", 20)).is_ok());
  ASSERT_TRUE(merger.push(item("a", 40, true)).is_ok());  // a's watermark lets 30 through
  EXPECT_EQ(drain(merger, 3), (std::vector<int64_t>{10, 20, 30}));
  const MergeStats stats = merger.stats();
  EXPECT_EQ(stats.duplicates, 1u);
  EXPECT_EQ(stats.disorder, 2u);
}

TEST(Merger, ItemsAtOrBelowTheStartPointAreDropped) {
  Merger merger;
  ASSERT_TRUE(merger.add_source("a", 100).is_ok());
  ASSERT_TRUE(merger.push(item("a", 90)).is_ok());
  ASSERT_TRUE(merger.push(item("a", 110)).is_ok());
  EXPECT_EQ(drain(merger, 1), (std::vector<int64_t>{110}));
}

TEST(Merger, ARetiredSourceIsDrainedThenStopsHoldingTheMergeBack) {
  Merger merger;
  ASSERT_TRUE(merger.add_source("stay", 0).is_ok());
  ASSERT_TRUE(merger.add_source("leave", 0).is_ok());
  ASSERT_TRUE(merger.push(item("leave", 5)).is_ok());
  ASSERT_TRUE(merger.push(item("stay", 7)).is_ok());
  ASSERT_TRUE(merger.retire_source("leave").is_ok());
  ASSERT_TRUE(merger.push(item("stay", 9)).is_ok());
  EXPECT_EQ(drain(merger, 3), (std::vector<int64_t>{5, 7, 9}));
  EXPECT_FALSE(merger.has_source("leave"));
  EXPECT_EQ(merger.retire_source("nobody").code(), StatusCode::kNotFound);
  EXPECT_EQ(merger.push(item("nobody", 1)).code(), StatusCode::kNotFound);
}

TEST(Merger, AFullQueueBlocksItsPullerUntilTheConsumerCatchesUp) {
  Merger merger(2);
  ASSERT_TRUE(merger.add_source("a", 0).is_ok());
  ASSERT_TRUE(merger.push(item("a", 1)).is_ok());
  ASSERT_TRUE(merger.push(item("a", 2)).is_ok());
  EXPECT_EQ(merger.push(item("a", 3), milliseconds(30)).code(), StatusCode::kUnavailable);
  std::thread consumer([&merger] { (void)merger.pop(milliseconds(500)); });
  EXPECT_TRUE(merger.push(item("a", 3), milliseconds(2000)).is_ok());
  consumer.join();
  merger.stop();
  EXPECT_EQ(merger.push(item("a", 4), milliseconds(10)).code(), StatusCode::kAborted);
  EXPECT_FALSE(merger.pop(milliseconds(10)).has_value());
}

// A push that times out leaves the item with the caller, so the same binlog can be pushed again:
// nothing is dropped for time.
TEST(Merger, ATimedOutPushKeepsTheItemForTheNextTry) {
  Merger merger(1);
  ASSERT_TRUE(merger.add_source("a", 0).is_ok());
  ASSERT_TRUE(merger.push(item("a", 1)).is_ok());
  MergeItem second = item("a", 2);
  second.payload = "the binlog";
  EXPECT_EQ(merger.push(std::move(second), milliseconds(20)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.payload, "the binlog");
  EXPECT_EQ(second.commit_ts, 2);
  ASSERT_TRUE(merger.pop(milliseconds(100)).has_value());
  ASSERT_TRUE(merger.push(std::move(second), milliseconds(1000)).is_ok());
  auto popped = merger.pop(milliseconds(1000));
  ASSERT_TRUE(popped.has_value());
  EXPECT_EQ(popped->commit_ts, 2);
  EXPECT_EQ(popped->payload, "the binlog");
}

TEST(Merger, EachSourceQueueIsBoundedInBytes) {
  Merger merger(1024, 2u << 20);
  ASSERT_TRUE(merger.add_source("a", 0).is_ok());
  auto big = [](int64_t ts, size_t bytes) {
    MergeItem out = item("a", ts);
    out.payload.assign(bytes, 'x');
    return out;
  };
  ASSERT_TRUE(merger.push(big(1, 1u << 20), milliseconds(10)).is_ok());
  ASSERT_TRUE(merger.push(big(2, 1u << 20), milliseconds(10)).is_ok());
  EXPECT_EQ(merger.push(big(3, 1), milliseconds(20)).code(), StatusCode::kUnavailable);
  ASSERT_TRUE(merger.pop(milliseconds(100)).has_value());
  ASSERT_TRUE(merger.pop(milliseconds(100)).has_value());
  // A single item above the bound still passes when the queue is empty.
  EXPECT_TRUE(merger.push(big(4, 5u << 20), milliseconds(10)).is_ok());
  EXPECT_EQ(merger.push(big(5, 1), milliseconds(20)).code(), StatusCode::kUnavailable);
}

TEST(Merger, ConcurrentPullersProduceOneStrictlyIncreasingStream) {
  Merger merger(16);
  constexpr int kSources = 3;
  constexpr int kItemsEach = 3000;
  for (int s = 0; s < kSources; ++s)
    ASSERT_TRUE(merger.add_source("p" + std::to_string(s), 0).is_ok());
  std::vector<std::thread> pullers;
  for (int s = 0; s < kSources; ++s) {
    pullers.emplace_back([&merger, s] {
      std::mt19937 random(static_cast<unsigned>(s));
      int64_t base = 0;
      for (int i = 0; i < kItemsEach; ++i) {
        base += 1 + static_cast<int64_t>(random() % 7);
        const int64_t ts = base * kSources + s;  // increasing per source, distinct across sources
        ASSERT_TRUE(merger.push(item("p" + std::to_string(s), ts)).is_ok());
      }
      // A final watermark so the tail can drain.
      ASSERT_TRUE(
          merger.push(item("p" + std::to_string(s), INT64_MAX - kSources + s, true)).is_ok());
    });
  }
  std::vector<int64_t> out;
  while (out.size() < static_cast<size_t>(kSources * kItemsEach)) {
    auto next = merger.pop(milliseconds(2000));
    ASSERT_TRUE(next.has_value()) << "merge stalled after " << out.size();
    out.push_back(next->commit_ts);
  }
  for (auto& puller : pullers)
    puller.join();
  EXPECT_TRUE(std::is_sorted(out.begin(), out.end()));
  EXPECT_EQ(std::adjacent_find(out.begin(), out.end()), out.end());
  EXPECT_EQ(merger.stats().duplicates + merger.stats().disorder, 0u);
}

}  // namespace
}  // namespace sluice::merge
