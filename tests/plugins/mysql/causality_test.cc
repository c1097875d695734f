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

}  // namespace
}  // namespace sluice::mysql
