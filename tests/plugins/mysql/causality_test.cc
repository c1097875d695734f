// Causality keys and dispatch planning (facts §6 "Dispatch", "Causality"), checked by hand.
#include "plugins/mysql/causality.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace sluice::mysql {
namespace {

using namespace std::string_literals;

std::shared_ptr<TableInfo> table_with_keys() {
  auto table = std::make_shared<TableInfo>();
  table->schema = "s";
  table->table = "t";
  table->columns = {{"id", 3, false, false}, {"u", 3, false, false}};
  table->keys = {{"PRIMARY", true, {0}}, {"uk", false, {1}}};
  return table;
}

Dml insert(std::shared_ptr<const TableInfo> table, int64_t id, SqlValue u, int64_t ts = 1) {
  Dml dml;
  dml.type = DmlType::kInsert;
  dml.table = std::move(table);
  dml.new_values = {id, std::move(u)};
  dml.commit_ts = ts;
  return dml;
}

Dml update(std::shared_ptr<const TableInfo> table, int64_t old_id, int64_t new_id, int64_t u,
           int64_t ts = 1) {
  Dml dml;
  dml.type = DmlType::kUpdate;
  dml.table = std::move(table);
  dml.old_values = {old_id, u};
  dml.new_values = {new_id, u};
  dml.commit_ts = ts;
  return dml;
}

TEST(CausalityTest, KeysCoverEveryNonNullUniqueKeyOfNewAndOldRows) {
  auto table = table_with_keys();
  EXPECT_EQ(dml_keys(insert(table, 5, int64_t{7})),
            (std::vector<std::string>{"PRIMARY(i5;)@1:s.t", "uk(i7;)@1:s.t"}));
  // A NULL unique key gives no key; the primary key still does.
  EXPECT_EQ(dml_keys(insert(table, 5, std::monostate{})),
            (std::vector<std::string>{"PRIMARY(i5;)@1:s.t"}));
  EXPECT_EQ(dml_keys(update(table, 1, 2, 3)),
            (std::vector<std::string>{"PRIMARY(i2;)@1:s.t", "uk(i3;)@1:s.t", "PRIMARY(i1;)@1:s.t",
                                      "uk(i3;)@1:s.t"}));
  // Without keys the whole row is the key; bytes are length-prefixed.
  auto keyless = std::make_shared<TableInfo>(*table);
  keyless->keys.clear();
  Dml row = insert(keyless, 1, "a;b"s);
  EXPECT_EQ(dml_keys(row), (std::vector<std::string>{"*(i1;s3:a;b;)@1:s.t"}));
}

TEST(CausalityTest, ConflictingKeysGoToOneBucketAndABridgeStartsANewRound) {
  auto table = table_with_keys();
  std::vector<Dml> dmls;
  dmls.push_back(insert(table, 1, int64_t{100}));
  dmls.push_back(insert(table, 2, int64_t{200}));
  dmls.push_back(update(table, 1, 1, 100));        // same group as the first
  dmls.push_back(insert(table, 3, int64_t{200}));  // uk 200 joins row 2's group
  dmls.push_back(update(table, 1, 2, 100));        // bridges groups of row 1 and row 2
  const PlanOptions options{4, 2, true, true};
  std::deque<Round> rounds = plan_rounds(std::move(dmls), options);
  ASSERT_EQ(rounds.size(), 2u);
  size_t first_round_dmls = 0;
  for (const auto& bucket : rounds[0].buckets) {
    for (const Chunk& chunk : bucket) {
      EXPECT_LE(chunk.dmls.size(), 2u);  // txn-batch
      first_round_dmls += chunk.dmls.size();
    }
  }
  EXPECT_EQ(first_round_dmls, 4u);
  // Rows 1 and 1-again share a bucket, in order.
  for (const auto& bucket : rounds[0].buckets) {
    std::vector<int64_t> ids;
    for (const Chunk& chunk : bucket) {
      for (const Dml& dml : chunk.dmls)
        ids.push_back(std::get<int64_t>(dml.new_values[0]));
    }
    if (!ids.empty() && ids.front() == 1) {
      EXPECT_EQ(ids, (std::vector<int64_t>{1, 1}));
    }
  }
  size_t second = 0;
  for (const auto& bucket : rounds[1].buckets)
    second += bucket.size();
  EXPECT_EQ(second, 1u);
}

TEST(CausalityTest, WithoutDispatchEachUpstreamTransactionIsOneChunk) {
  auto table = table_with_keys();
  std::vector<Dml> dmls;
  for (int64_t i = 0; i < 5; ++i)
    dmls.push_back(insert(table, i, i, /*ts=*/i < 3 ? 10 : 20));
  std::deque<Round> rounds = plan_rounds(std::move(dmls), PlanOptions{8, 1, false, true});
  ASSERT_EQ(rounds.size(), 1u);
  ASSERT_EQ(rounds[0].buckets.size(), 1u);
  ASSERT_EQ(rounds[0].buckets[0].size(), 2u);
  EXPECT_EQ(rounds[0].buckets[0][0].dmls.size(), 3u);
  EXPECT_EQ(rounds[0].buckets[0][1].dmls.size(), 2u);
}

// Transaction size caps (the tidb sink's TiDB limits): one upstream transaction of 10 rows with
// dispatch off and at most 4 rows per downstream transaction goes as 4 + 4 + 2; a byte cap of
// 2 rows' worth (schema "s" + table "t" + 2 numbers = 18 bytes each) gives chunks of 2.
TEST(CausalityTest, CapsSplitALargeUpstreamTransaction) {
  auto table = table_with_keys();
  auto ten = [&] {
    std::vector<Dml> dmls;
    for (int64_t i = 0; i < 10; ++i)
      dmls.push_back(insert(table, i, i, /*ts=*/7));
    return dmls;
  };
  EXPECT_EQ(dml_bytes(insert(table, 1, 1)), 18u);
  EXPECT_EQ(dml_bytes(insert(table, 1, "abcdef"s)), 1u + 1u + 8u + 6u);

  PlanOptions rows{8, 20, false, true};
  rows.max_txn_rows = 4;
  std::deque<Round> by_rows = plan_rounds(ten(), rows);
  ASSERT_EQ(by_rows.size(), 1u);
  ASSERT_EQ(by_rows[0].buckets[0].size(), 3u);
  EXPECT_EQ(by_rows[0].buckets[0][0].dmls.size(), 4u);
  EXPECT_EQ(by_rows[0].buckets[0][1].dmls.size(), 4u);
  EXPECT_EQ(by_rows[0].buckets[0][2].dmls.size(), 2u);
  EXPECT_EQ(by_rows[0].buckets[0][2].dmls.back().new_values[0], SqlValue(int64_t{9}));

  PlanOptions bytes{8, 20, false, true};
  bytes.max_txn_bytes = 36;
  std::deque<Round> by_bytes = plan_rounds(ten(), bytes);
  ASSERT_EQ(by_bytes[0].buckets[0].size(), 5u);
  for (const Chunk& chunk : by_bytes[0].buckets[0]) {
    EXPECT_EQ(chunk.dmls.size(), 2u);
    EXPECT_EQ(chunk.bytes, 36u);
  }

  // A single row above the byte cap still goes (alone): TiDB judges it, not the splitter.
  PlanOptions tiny{8, 20, false, true};
  tiny.max_txn_bytes = 5;
  EXPECT_EQ(plan_rounds(ten(), tiny)[0].buckets[0].size(), 10u);

  // With dispatch on, txn-batch and the caps both apply.
  PlanOptions dispatched{1, 3, true, true};
  dispatched.max_txn_rows = 2;
  std::deque<Round> both = plan_rounds(ten(), dispatched);
  ASSERT_EQ(both[0].buckets[0].size(), 5u);
}

}  // namespace
}  // namespace sluice::mysql
