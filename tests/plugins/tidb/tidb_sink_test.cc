// The tidb sink (tidb.so) against a real MariaDB: the loader works as the mysql sink's, the
// TiDB-only ts-map degrades with one log line, TiDB comments in DDL reach the server unchanged,
// and a large upstream transaction is split under txn-max-rows.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/plugins/mysql/mysql_sink_fixture.h"

namespace sluice::mysql::sink_test {
namespace {

using TidbSinkTest = MysqlSinkTest;

size_t lines_containing(const FakeHost& host, const std::string& text) {
  size_t count = 0;
  for (const auto& line : host.logs())
    count += line.message.find(text) != std::string::npos ? 1 : 0;
  return count;
}

TEST_F(TidbSinkTest, RowsLandAndTheTsMapDegradesOnceAgainstMariadb) {
  FakeConfig settings = config(2, 2);
  settings.set("ts-map-interval", "1ms");  // ask at every flush: still only one answer counts
  PluginInstance& tidb = sink(settings);
  create_items(tidb, 100);
  int64_t ts = 200;
  for (int round = 0; round < 3; ++round) {
    BatchBuilder batch;
    const size_t items = batch.add_table(items_spec(db_));
    for (int64_t i = 0; i < 5; ++i, ++ts) {
      const int64_t id = round * 5 + i;
      batch.begin_transaction(ts, ts - 1).insert(items, {id, "n"s, id});
    }
    EXPECT_EQ(apply(tidb, batch), ts - 1);
  }
  EXPECT_EQ(rows("SELECT COUNT(*) FROM `" + db_ + "`.items"), std::vector<SqlRow>{row({"15"})});
  EXPECT_EQ(lines_containing(host_, "downstream is not TiDB"), 1u);
  EXPECT_EQ(lines_containing(host_, "ts-map primary-ts="), 0u);
  EXPECT_EQ(host_.metric_value("tidb_sink_dmls_total"), 15.0);
}

TEST_F(TidbSinkTest, TidbCommentsInDdlReachTheServerUnchanged) {
  server_->execute("SET GLOBAL log_output = 'TABLE'");
  server_->execute("SET GLOBAL general_log = 1");
  PluginInstance& tidb = sink(config(2, 2));
  ddl(tidb, 100, db_, "CREATE DATABASE `" + db_ + "`");
  const std::string create =
      "CREATE TABLE t (id BIGINT PRIMARY KEY /*T![clustered_index] CLUSTERED */, v INT) "
      "/*T! SHARD_ROW_ID_BITS=4 */";
  ddl(tidb, 101, db_, create);
  server_->execute("SET GLOBAL general_log = 0");
  EXPECT_EQ(rows("SELECT COUNT(*) FROM mysql.general_log WHERE command_type = 'Query' AND "
                 "argument = '" +
                 create + "'"),
            std::vector<SqlRow>{row({"1"})});
  server_->execute("TRUNCATE mysql.general_log");
  EXPECT_EQ(rows("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" + db_ +
                 "' AND TABLE_NAME = 't'"),
            std::vector<SqlRow>{row({"2"})});
}

// One upstream transaction of 10 rows, dispatch off, txn-max-rows = 4: three downstream
// transactions (4 + 4 + 2), counted exactly by the loopback mark (one bump per transaction).
TEST_F(TidbSinkTest, LargeTransactionsAreSplitUnderTxnMaxRows) {
  server_->execute("DROP DATABASE IF EXISTS retl");
  FakeConfig settings = config(1, 20);
  settings.set("enable-dispatch", false)
      .set("txn-max-rows", int64_t{4})
      .set("loopback-control", true)
      .set("channel-id", int64_t{1});
  PluginInstance& tidb = sink(settings);
  create_items(tidb, 100);
  BatchBuilder batch;
  const size_t items = batch.add_table(items_spec(db_));
  batch.begin_transaction(200, 199);
  for (int64_t id = 1; id <= 10; ++id)
    batch.insert(items, {id, "r"s, id});
  EXPECT_EQ(apply(tidb, batch), 200);
  EXPECT_EQ(rows("SELECT COUNT(*) FROM `" + db_ + "`.items"), std::vector<SqlRow>{row({"10"})});
  EXPECT_EQ(rows("SELECT val FROM retl._drainer_repl_mark WHERE channel_id = 1"),
            std::vector<SqlRow>{row({"4"})});
}

}  // namespace
}  // namespace sluice::mysql::sink_test
