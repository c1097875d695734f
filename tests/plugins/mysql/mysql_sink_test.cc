// The mysql sink (mysql.so) through the SDK's fake host against a real MariaDB started by the
// test: rows land as the facts' SQL says, safe-mode replays are idempotent, ignorable DDL errors
// are skipped, key-less tables, NULLs and binary values, a server that goes away (RETRY, nothing
// reported durable, exact rows after the restart), parallel apply equal to serial apply for a
// conflicting workload, and the checkpoint table helpers.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "plugins/mysql/checkpoint_table.h"
#include "plugins/mysql/mysql_connection.h"
#include "tests/plugins/mysql/mysql_sink_fixture.h"

namespace sluice::mysql::sink_test {
namespace {

TEST_F(MysqlSinkTest, InsertsUpdatesAndDeletesLand) {
  PluginInstance& mysql = sink(config());
  create_items(mysql, 100);
  BatchBuilder builder;
  const size_t items = builder.add_table(items_spec(db_));
  builder.begin_transaction(200, 190)
      .insert(items, {int64_t{1}, "one"s, int64_t{10}})
      .insert(items, {int64_t{2}, "two"s, int64_t{20}})
      .insert(items, {int64_t{3}, "three"s, std::monostate{}});
  builder.begin_transaction(210, 205)
      .update(items, {int64_t{2}, "two"s, int64_t{20}}, {int64_t{2}, "TWO"s, int64_t{21}})
      .update(items, {int64_t{3}, "three"s, std::monostate{}},
              {int64_t{30}, "thirty"s, int64_t{30}})  // the primary key changes
      .erase(items, {int64_t{1}, "one"s, int64_t{10}});
  EXPECT_EQ(apply(mysql, builder, 101), 210);
  EXPECT_EQ(rows("SELECT id, name, k FROM `" + db_ + "`.items ORDER BY id"),
            (std::vector<SqlRow>{row({"2", "TWO", "21"}), row({"30", "thirty", "30"})}));
  EXPECT_TRUE(mysql.close().ok());
}

TEST_F(MysqlSinkTest, SafeModeReplayOfTheSameBatchLeavesTheSameRows) {
  create_items(sink(config()), 100);
  BatchBuilder builder;
  const size_t items = builder.add_table(items_spec(db_));
  builder.begin_transaction(200, 190, SLUICE_TXN_SAFE_MODE)
      .insert(items, {int64_t{1}, "one"s, int64_t{10}})
      .insert(items, {int64_t{2}, "two"s, int64_t{20}});
  builder.begin_transaction(210, 205, SLUICE_TXN_SAFE_MODE)
      .update(items, {int64_t{2}, "two"s, int64_t{20}}, {int64_t{5}, "five"s, int64_t{50}})
      .erase(items, {int64_t{1}, "one"s, int64_t{10}})
      .insert(items, {int64_t{3}, "three"s, int64_t{10}});
  const std::vector<SqlRow> expected = {row({"3", "three", "10"}), row({"5", "five", "50"})};
  const std::string select = "SELECT id, name, k FROM `" + db_ + "`.items ORDER BY id";
  EXPECT_EQ(apply(sink(config(), 101), builder), 210);
  EXPECT_EQ(rows(select), expected);
  // An unclean restart replays everything after the checkpoint: a new instance, the same batch.
  EXPECT_EQ(apply(sink(config(1, 1), 101), builder), 210);
  EXPECT_EQ(rows(select), expected);
}

TEST_F(MysqlSinkTest, DuplicateKeyOutsideSafeModeIsRejectedWithTheTable) {
  PluginInstance& mysql = sink(config());
  create_items(mysql, 100);
  server_->execute("INSERT INTO `" + db_ + "`.items VALUES (1, 'there', 1)");
  BatchBuilder builder;
  const size_t items = builder.add_table(items_spec(db_));
  builder.begin_transaction(200, 190).insert(items, {int64_t{1}, "one"s, int64_t{10}});
  ASSERT_TRUE(mysql.write(builder.build()).ok());
  int64_t durable = 101;
  const auto flushed = mysql.flush(durable);
  EXPECT_EQ(flushed.status, SLUICE_REJECTED) << flushed.describe();
  EXPECT_NE(flushed.error.find(db_ + ".items"), std::string::npos) << flushed.error;
  EXPECT_NE(flushed.error.find("Duplicate entry"), std::string::npos) << flushed.error;
  EXPECT_EQ(durable, 101);  // nothing new reported
}

TEST_F(MysqlSinkTest, IgnorableDdlErrorsAreSkippedOthersAreNot) {
  PluginInstance& mysql = sink(config());
  create_items(mysql, 100);
  // Replays of DDL that is already in effect: database exists (1007), table exists (1050),
  // drop of a missing table (1051), duplicate column (1060).
  ddl(mysql, 110, db_, "CREATE DATABASE `" + db_ + "`");
  ddl(mysql, 111, db_, "CREATE TABLE items (id INT PRIMARY KEY)");
  ddl(mysql, 112, db_, "DROP TABLE missing_table");
  ddl(mysql, 113, db_, "ALTER TABLE items ADD COLUMN name VARCHAR(64)");
  size_t skipped = 0;
  for (const auto& line : host_.logs()) {
    if (line.message.find("DDL skipped") != std::string::npos) ++skipped;
  }
  EXPECT_EQ(skipped, 4u);
  EXPECT_EQ(rows("SHOW TABLES FROM `" + db_ + "`"), (std::vector<SqlRow>{row({"items"})}));
  // A DDL that fails for another reason is an error, and is not reported durable.
  BatchBuilder builder;
  builder.begin_transaction(120, 119, SLUICE_TXN_DDL).ddl(db_, "", "CREATE TABLEX nonsense");
  const auto written = mysql.write(builder.build());
  EXPECT_EQ(written.status, SLUICE_REJECTED) << written.describe();
  int64_t durable = 113;
  EXPECT_TRUE(mysql.flush(durable).ok());
  EXPECT_EQ(durable, 113);
}

TEST_F(MysqlSinkTest, TableWithoutKeysMatchesEveryColumnAndOneRowAtATime) {
  PluginInstance& mysql = sink(config());
  ddl(mysql, 100, db_, "CREATE DATABASE `" + db_ + "`");
  ddl(mysql, 101, db_, "CREATE TABLE bag (a INT, b VARCHAR(10))");
  BatchBuilder builder;
  const size_t bag =
      builder.add_table({db_,
                         "bag",
                         2,
                         {{"a", kLong, 0, "int"}, {"b", kVarchar, 0, "varchar", 10, -1, "utf8mb4"}},
                         {}});
  builder.begin_transaction(200, 190)
      .insert(bag, {int64_t{1}, "x"s})
      .insert(bag, {int64_t{1}, "x"s})
      .insert(bag, {int64_t{2}, std::monostate{}});
  builder.begin_transaction(210, 205)
      .update(bag, {int64_t{2}, std::monostate{}}, {int64_t{2}, "y"s})  // WHERE b IS NULL
      .erase(bag, {int64_t{1}, "x"s});                                  // LIMIT 1: one of two
  EXPECT_EQ(apply(mysql, builder), 210);
  EXPECT_EQ(rows("SELECT a, b FROM `" + db_ + "`.bag ORDER BY a"),
            (std::vector<SqlRow>{row({"1", "x"}), row({"2", "y"})}));
}

TEST_F(MysqlSinkTest, NullsAndBinaryValuesRoundTripInBothEscapingModes) {
  PluginInstance& mysql = sink(config());
  ddl(mysql, 100, db_, "CREATE DATABASE `" + db_ + "`");
  ddl(mysql, 101, db_,
      "CREATE TABLE v (id INT PRIMARY KEY, bin VARBINARY(32), txt VARCHAR(64) CHARACTER SET "
      "utf8mb4, d DOUBLE, u BIGINT UNSIGNED, blb BLOB)");
  const TableSpec spec{db_,
                       "v",
                       3,
                       {{"id", kLong, SLUICE_COLUMN_PRIMARY_KEY, "int"},
                        {"bin", kVarchar, SLUICE_COLUMN_BINARY, "varbinary", 32, -1, "binary"},
                        {"txt", kVarchar, 0, "varchar", 64, -1, "utf8mb4"},
                        {"d", kDouble, 0, "double"},
                        {"u", kLongLong, SLUICE_COLUMN_UNSIGNED, "bigint"},
                        {"blb", kBlob, SLUICE_COLUMN_BINARY, "blob", 65535, -1, "binary"}},
                       {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}};
  const std::string binary("\x00\x01'\"\\\xff\x1a\n", 8);
  const std::string text = "it's \"q\" \\ back\nline \xc3\xa9 \x1a end";
  auto batch = [&](BatchBuilder& builder, int64_t id, int64_t ts) {
    const size_t v = builder.add_table(spec);
    builder.begin_transaction(ts, ts - 1)
        .insert(v, {id, binary, text, -1.5e-7, uint64_t{18446744073709551615u}, ""s})
        .insert(v, {id + 1, std::monostate{}, std::monostate{}, std::monostate{}, std::monostate{},
                    std::monostate{}});
    // Update the row whose binary value is the key... by primary key, with binary in SET.
    builder.update(v,
                   {id + 1, std::monostate{}, std::monostate{}, std::monostate{}, std::monostate{},
                    std::monostate{}},
                   {id + 1, ""s, ""s, 0.0, uint64_t{0}, binary});
  };
  BatchBuilder first;
  batch(first, 1, 200);
  EXPECT_EQ(apply(mysql, first), 200);
  BatchBuilder second;
  batch(second, 11, 300);
  FakeConfig no_backslash = config();
  no_backslash.set("sql-mode", "NO_BACKSLASH_ESCAPES");
  EXPECT_EQ(apply(sink(no_backslash, 200), second), 300);
  const auto got =
      rows("SELECT id, HEX(bin), HEX(txt), d, u, HEX(blb) FROM `" + db_ + "`.v ORDER BY id");
  const SqlRow full =
      row({std::nullopt, hex(binary), hex(text), "-0.00000015", "18446744073709551615", ""});
  const SqlRow emptied = row({std::nullopt, "", "", "0", "0", hex(binary)});
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    SqlRow expected = i % 2 == 0 ? full : emptied;
    expected[0] = std::to_string(i < 2 ? 1 + i : 11 + (i - 2));
    EXPECT_EQ(got[i], expected) << "row " << i;
  }
}

TEST_F(MysqlSinkTest, ServerThatGoesAwayGivesRetryAndNothingDurableUntilItIsBack) {
  PluginInstance& mysql = sink(config(4, 2));
  create_items(mysql, 100);
  BatchBuilder first;
  const size_t items = first.add_table(items_spec(db_));
  for (int64_t id = 1; id <= 8; ++id) {
    first.begin_transaction(200 + id, 190).insert(items, {id, "v1"s, id});
  }
  EXPECT_EQ(apply(mysql, first, 101), 208);

  BatchBuilder second;
  const size_t again = second.add_table(items_spec(db_));
  for (int64_t id = 1; id <= 8; ++id) {
    second.begin_transaction(300 + id, 290)
        .update(again, {id, "v1"s, id}, {id, "v2"s, id + 100})
        .insert(again, {id + 100, "new"s, std::monostate{}});
  }
  ASSERT_TRUE(mysql.write(second.build()).ok());
  server_->kill9();
  int64_t durable = 208;
  const auto lost = mysql.flush(durable);
  EXPECT_EQ(lost.status, SLUICE_RETRY) << lost.describe();
  EXPECT_EQ(durable, 208);
  // The host retries; while the server is down that stays RETRY.
  EXPECT_EQ(mysql.flush(durable).status, SLUICE_RETRY);
  EXPECT_EQ(durable, 208);
  // The same batch again (the host resends after a failed write): nothing is taken twice.
  EXPECT_TRUE(mysql.write(second.build()).ok());

  server_->restart();
  const auto back = mysql.flush(durable);
  EXPECT_TRUE(back.ok()) << back.describe();
  EXPECT_EQ(durable, 308);
  const auto got = rows("SELECT id, name, k FROM `" + db_ + "`.items ORDER BY id");
  ASSERT_EQ(got.size(), 16u);
  for (int64_t id = 1; id <= 8; ++id) {
    EXPECT_EQ(got[id - 1], row({std::to_string(id), "v2", std::to_string(id + 100)}));
    EXPECT_EQ(got[id + 7], row({std::to_string(id + 100), "new", std::nullopt}));
  }
}

TEST_F(MysqlSinkTest, OpenReportsUnreachableServersAndBadCredentials) {
  FakeConfig unreachable = config();
  unreachable.set("port", static_cast<int64_t>(1));  // nothing listens on port 1
  PluginInstance down(host_, descriptor_, "down");
  ASSERT_TRUE(down.create(unreachable).ok());
  EXPECT_EQ(down.open(0).status, SLUICE_RETRY);

  server_->execute("CREATE USER IF NOT EXISTS 'sink_user'@'%' IDENTIFIED BY 'right-secret'");
  FakeConfig wrong = config();
  wrong.set("user", "sink_user").set("password", "wrong-secret");
  PluginInstance denied(host_, descriptor_, "denied");
  ASSERT_TRUE(denied.create(wrong).ok());
  const auto opened = denied.open(0);
  EXPECT_EQ(opened.status, SLUICE_FATAL) << opened.describe();
  EXPECT_NE(opened.error.find("Access denied"), std::string::npos) << opened.error;
  EXPECT_EQ(opened.error.find("wrong-secret"), std::string::npos) << opened.error;
}

// A conflicting workload (primary-key changes, a unique key moving between rows, deletes and
// re-inserts of the same keys) applied with 8 workers and with 1 must both equal the model.
TEST_F(MysqlSinkTest, ParallelApplyEqualsSerialApplyForAConflictingWorkload) {
  struct Item {
    std::string name;
    int64_t k;
  };
  const std::string parallel_db = db_ + "_par";
  const std::string serial_db = db_ + "_ser";
  for (const std::string& db : {parallel_db, serial_db}) {
    server_->execute("DROP DATABASE IF EXISTS `" + db + "`");
  }
  PluginInstance& parallel = sink(config(8, 3));
  PluginInstance& serial = sink(config(1, 1));
  int64_t ts = 100;
  for (auto* instance : {&parallel, &serial}) {
    const std::string& db = instance == &parallel ? parallel_db : serial_db;
    ddl(*instance, ts, db, "CREATE DATABASE `" + db + "`");
    ddl(*instance, ts + 1, db,
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64), k INT, UNIQUE KEY uk_k (k))");
  }
  ts += 10;

  std::mt19937 random(20240607);
  std::map<int64_t, Item> model;
  BatchBuilder parallel_batch;
  BatchBuilder serial_batch;
  const size_t par = parallel_batch.add_table(items_spec(parallel_db));
  const size_t ser = serial_batch.add_table(items_spec(serial_db));
  auto free_k = [&] {
    while (true) {
      const int64_t k = static_cast<int64_t>(random() % 40);
      bool used = false;
      for (const auto& [id, item] : model)
        used = used || item.k == k;
      if (!used) return k;
    }
  };
  auto free_id = [&] {
    while (true) {
      const int64_t id = static_cast<int64_t>(random() % 30);
      if (!model.contains(id)) return id;
    }
  };
  auto pick = [&] {
    auto it = model.begin();
    std::advance(it, random() % model.size());
    return it->first;
  };
  auto values = [](int64_t id, const Item& item) -> std::vector<OwnedValue> {
    return {id, item.name, item.k};
  };
  int operations = 0;
  for (int txn = 0; txn < 80; ++txn) {
    ++ts;
    parallel_batch.begin_transaction(ts, ts - 1);
    serial_batch.begin_transaction(ts, ts - 1);
    const int events = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < events; ++e, ++operations) {
      const unsigned choice = model.size() < 5 ? 0 : random() % 3;
      if (choice == 0 && model.size() < 25) {
        const int64_t id = free_id();
        const Item item{"n" + std::to_string(operations), free_k()};
        model[id] = item;
        parallel_batch.insert(par, values(id, item));
        serial_batch.insert(ser, values(id, item));
      } else if (choice == 1 || (choice == 0 && model.size() >= 25)) {
        const int64_t id = pick();
        const Item before = model[id];
        const int64_t new_id = random() % 2 == 0 ? id : free_id();
        const Item after{"u" + std::to_string(operations), random() % 2 == 0 ? before.k : free_k()};
        model.erase(id);
        model[new_id] = after;
        parallel_batch.update(par, values(id, before), values(new_id, after));
        serial_batch.update(ser, values(id, before), values(new_id, after));
      } else {
        const int64_t id = pick();
        parallel_batch.erase(par, values(id, model[id]));
        serial_batch.erase(ser, values(id, model[id]));
        model.erase(id);
      }
    }
  }
  EXPECT_EQ(apply(parallel, parallel_batch), ts);
  EXPECT_EQ(apply(serial, serial_batch), ts);
  std::vector<SqlRow> expected;
  for (const auto& [id, item] : model) {
    expected.push_back(row({std::to_string(id), item.name, std::to_string(item.k)}));
  }
  EXPECT_EQ(rows("SELECT id, name, k FROM `" + parallel_db + "`.items ORDER BY id"), expected);
  EXPECT_EQ(rows("SELECT id, name, k FROM `" + serial_db + "`.items ORDER BY id"), expected);
  EXPECT_GT(operations, 100);

  // The model written straight into a third table of the same definition: CHECKSUM TABLE agrees
  // on all three.
  const std::string model_db = db_ + "_model";
  server_->execute("DROP DATABASE IF EXISTS `" + model_db + "`");
  server_->execute("CREATE DATABASE `" + model_db + "`");
  server_->execute("CREATE TABLE `" + model_db +
                   "`.items (id INT PRIMARY KEY, name VARCHAR(64), k INT, UNIQUE KEY uk_k (k))");
  for (const auto& [id, item] : model) {
    server_->execute("INSERT INTO `" + model_db + "`.items VALUES (" + std::to_string(id) + ", '" +
                     item.name + "', " + std::to_string(item.k) + ")");
  }
  auto checksum = [&](const std::string& db) {
    auto result = rows("CHECKSUM TABLE `" + db + "`.items");
    return result.size() == 1 ? result[0].at(1) : std::optional<std::string>();
  };
  const auto model_checksum = checksum(model_db);
  ASSERT_TRUE(model_checksum.has_value());
  EXPECT_EQ(checksum(parallel_db), model_checksum);
  EXPECT_EQ(checksum(serial_db), model_checksum);
  server_->execute("DROP DATABASE `" + model_db + "`");
}

TEST_F(MysqlSinkTest, CheckpointTableUsesTheOriginalsSqlAndJson) {
  using namespace sluice::mysql;
  ConnectionOptions options;
  options.host = server_->host();
  options.port = server_->port();
  options.user = server_->user();
  options.password = server_->password();
  SqlError error;
  auto connection = MysqlConnection::connect(options, error);
  ASSERT_TRUE(connection) << error.message;
  const CheckpointLocation location{db_, "checkpoint"};
  ASSERT_TRUE(create_checkpoint_table(*connection, location).is_ok());
  ASSERT_TRUE(create_checkpoint_table(*connection, location).is_ok());  // if not exists
  sluice::checkpoint::Checkpoint record;
  bool found = true;
  ASSERT_TRUE(read_checkpoint(*connection, location, 7, record, found).is_ok());
  EXPECT_FALSE(found);

  record.commit_ts = 425000000000000001;
  record.schema_version = 12;
  ASSERT_TRUE(write_checkpoint(*connection, location, 7, record).is_ok());
  EXPECT_EQ(rows("SELECT clusterID, checkPoint FROM `" + db_ + "`.checkpoint"),
            (std::vector<SqlRow>{row({"7",
                                      "{\"consistent\":false,\"commitTS\":425000000000000001,"
                                      "\"schema-version\":12}"})}));
  record.consistent = true;
  record.ts_map = sluice::checkpoint::TsMap{5, 6};
  ASSERT_TRUE(write_checkpoint(*connection, location, 7, record).is_ok());  // replace
  sluice::checkpoint::Checkpoint loaded;
  ASSERT_TRUE(read_checkpoint(*connection, location, std::nullopt, loaded, found).is_ok());
  ASSERT_TRUE(found);
  EXPECT_TRUE(loaded.consistent);
  EXPECT_EQ(loaded.commit_ts, 425000000000000001);
  ASSERT_TRUE(loaded.ts_map.has_value());
  EXPECT_EQ(loaded.ts_map->secondary_ts, 6);
  EXPECT_EQ(rows("SELECT checkPoint FROM `" + db_ + "`.checkpoint")[0][0],
            "{\"consistent\":true,\"commitTS\":425000000000000001,\"ts-map\":{\"primary-ts\":5,"
            "\"secondary-ts\":6},\"schema-version\":12}");
  // Two clusters in one table: reading without a cluster ID is ambiguous.
  ASSERT_TRUE(write_checkpoint(*connection, location, 8, record).is_ok());
  EXPECT_EQ(read_checkpoint(*connection, location, std::nullopt, loaded, found).code(),
            sluice::sdk::Code::kFatal);
  ASSERT_TRUE(read_checkpoint(*connection, location, 8, loaded, found).is_ok());
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace sluice::mysql::sink_test
