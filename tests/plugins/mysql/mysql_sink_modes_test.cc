// sync-mode = 2 (partial columns) and loopback control (retl._drainer_repl_mark, channel-id),
// through the plugin against a real MariaDB.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/plugins/mysql/mysql_sink_fixture.h"

namespace sluice::mysql::sink_test {
namespace {

TableSpec wide_spec(const std::string& db) {
  return {db,
          "wide",
          1,
          {{"id", kLong, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "int"},
           {"name", kVarchar, 0, "varchar", 64, -1, "utf8mb4"},
           {"extra", kVarchar, 0, "varchar", 64, -1, "utf8mb4"}},
          {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}};
}

// Downstream lacks `extra` (and `name` is shorter): mode 1 refuses, mode 2 drops the column and
// truncates instead of failing (no STRICT_TRANS_TABLES). A column dropped downstream behind the
// sink's back is noticed from "unknown column" and the table's layout read again.
TEST_F(MysqlSinkTest, SyncModeTwoDropsColumnsMissingDownstream) {
  server_->execute("CREATE DATABASE `" + db_ + "`");
  server_->execute("CREATE TABLE `" + db_ + "`.wide (id INT PRIMARY KEY, name VARCHAR(4))");

  PluginInstance& full = sink(config(2, 2));
  BatchBuilder refused;
  size_t wide = refused.add_table(wide_spec(db_));
  refused.begin_transaction(100, 99).insert(wide, {int64_t{1}, "ab"s, "x"s});
  ASSERT_TRUE(full.write(refused.build()).ok());
  int64_t durable = 0;
  const auto rejected = full.flush(durable);
  EXPECT_EQ(rejected.status, SLUICE_REJECTED) << rejected.describe();
  EXPECT_NE(rejected.error.find("extra"), std::string::npos) << rejected.error;

  FakeConfig partial_config = config(2, 2);
  partial_config.set("sync-mode", int64_t{2});
  PluginInstance& partial = sink(partial_config);
  BatchBuilder first;
  wide = first.add_table(wide_spec(db_));
  first.begin_transaction(110, 109)
      .insert(wide, {int64_t{1}, "abcdefgh"s, "x"s})
      .insert(wide, {int64_t{2}, "b"s, "y"s})
      .insert(wide, {int64_t{3}, "c"s, "z"s});
  first.begin_transaction(111, 110).update(wide, {int64_t{2}, "b"s, "y"s},
                                           {int64_t{2}, "bb"s, "yy"s});
  first.begin_transaction(112, 111).erase(wide, {int64_t{3}, "c"s, "z"s});
  EXPECT_EQ(apply(partial, first), 112);
  EXPECT_EQ(rows("SELECT id, name FROM `" + db_ + "`.wide ORDER BY id"),
            (std::vector<SqlRow>{row({"1", "abcd"}), row({"2", "bb"})}));

  server_->execute("ALTER TABLE `" + db_ + "`.wide DROP COLUMN name");
  BatchBuilder second;
  wide = second.add_table(wide_spec(db_));
  second.begin_transaction(120, 119).insert(wide, {int64_t{4}, "d"s, "w"s});
  EXPECT_EQ(apply(partial, second), 120);
  EXPECT_EQ(rows("SELECT id FROM `" + db_ + "`.wide ORDER BY id"),
            (std::vector<SqlRow>{row({"1"}), row({"2"}), row({"4"})}));
}

FakeConfig loopback_config(FakeConfig config, int64_t channel) {
  config.set("loopback-control", true).set("channel-id", channel);
  return config;
}

TableSpec mark_spec() {
  return {"retl",
          "_drainer_repl_mark",
          2,
          {{"id", kLongLong, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "bigint"},
           {"channel_id", kLongLong, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "bigint"},
           {"val", kLongLong, 0, "bigint"},
           {"channel_info", kVarchar, 0, "varchar", 64, -1, "utf8mb4"}},
          {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0, 1}}}};
}

// The mark rows of the channel exist from open to close, every downstream transaction bumps one,
// and an upstream transaction carrying this channel's mark is not replicated back.
TEST_F(MysqlSinkTest, LoopbackControlMarksEveryTransactionAndDropsItsOwn) {
  server_->execute("DROP DATABASE IF EXISTS retl");
  // One worker, one DML per downstream transaction: the mark counts transactions exactly.
  PluginInstance& looped = sink(loopback_config(config(1, 1), 3));
  EXPECT_EQ(rows("SELECT id, channel_id, val, channel_info FROM retl._drainer_repl_mark"),
            std::vector<SqlRow>{row({"0", "3", "1", ""})});
  create_items(looped, 100);

  BatchBuilder batch;
  const size_t items = batch.add_table(items_spec(db_));
  const size_t mark = batch.add_table(mark_spec());
  batch.begin_transaction(200, 199)
      .insert(items, {int64_t{1}, "a"s, int64_t{1}})
      .insert(items, {int64_t{2}, "b"s, int64_t{2}});
  // Came back from the peer cluster through our own channel: dropped whole.
  batch.begin_transaction(201, 200)
      .update(mark, {int64_t{0}, int64_t{3}, int64_t{5}, ""s},
              {int64_t{0}, int64_t{3}, int64_t{6}, ""s})
      .insert(items, {int64_t{3}, "loop"s, int64_t{3}});
  // Another channel's mark is ordinary data.
  batch.begin_transaction(202, 201)
      .insert(mark, {int64_t{0}, int64_t{4}, int64_t{1}, "other"s})
      .insert(items, {int64_t{4}, "d"s, int64_t{4}});
  EXPECT_EQ(apply(looped, batch), 202);
  EXPECT_EQ(rows("SELECT id FROM `" + db_ + "`.items ORDER BY id"),
            (std::vector<SqlRow>{row({"1"}), row({"2"}), row({"4"})}));
  // 1 at open + 4 downstream transactions (two inserts, then the other channel's row and item 4).
  EXPECT_EQ(rows("SELECT channel_id, val FROM retl._drainer_repl_mark ORDER BY channel_id"),
            (std::vector<SqlRow>{row({"3", "5"}), row({"4", "1"})}));
  EXPECT_EQ(host_.metric_value("mysql_sink_loopback_skipped_total"), 1.0);

  ASSERT_TRUE(looped.close().ok());
  EXPECT_EQ(rows("SELECT channel_id FROM retl._drainer_repl_mark"),
            std::vector<SqlRow>{row({"4"})});
}

TEST_F(MysqlSinkTest, LoopbackControlKeepsOneMarkRowPerWorker) {
  server_->execute("DROP DATABASE IF EXISTS retl");
  PluginInstance& looped = sink(loopback_config(config(3, 2), 9));
  EXPECT_EQ(
      rows("SELECT id, channel_id, val FROM retl._drainer_repl_mark ORDER BY id"),
      (std::vector<SqlRow>{row({"0", "9", "1"}), row({"1", "9", "1"}), row({"2", "9", "1"})}));
  create_items(looped, 100);
  BatchBuilder batch;
  const size_t items = batch.add_table(items_spec(db_));
  for (int64_t id = 1; id <= 12; ++id)
    batch.begin_transaction(200 + id, 199).insert(items, {id, "r"s, id});
  EXPECT_EQ(apply(looped, batch), 212);
  // Each of the 6+ downstream transactions (12 rows, 2 per chunk) bumped its worker's row.
  const auto total = rows("SELECT SUM(val) FROM retl._drainer_repl_mark WHERE channel_id = 9");
  ASSERT_EQ(total.size(), 1u);
  EXPECT_GE(std::stoi(total[0][0].value_or("0")), 3 + 6);
  EXPECT_EQ(rows("SELECT COUNT(*) FROM `" + db_ + "`.items"), std::vector<SqlRow>{row({"12"})});
}

}  // namespace
}  // namespace sluice::mysql::sink_test
