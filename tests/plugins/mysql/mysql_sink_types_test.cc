// Values through the mysql sink against a real MariaDB, read back as text and compared with
// values written out by hand: every column type at its limits and as NULL, primary-key changes,
// SQL syntax inside values; the downstream table's keys (information_schema) chosen over the
// event's, and a DDL that adds a unique key picked up; the connection's bound statements.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "plugins/mysql/downstream_tables.h"
#include "plugins/mysql/mysql_connection.h"
#include "tests/plugins/mysql/mysql_sink_fixture.h"

namespace sluice::mysql::sink_test {
namespace {

// MYSQL_TYPE_* numbers (the event carries them; the sink binds by value kind).
constexpr uint32_t kTiny = 1, kShort = 2, kInt24 = 9, kNewDecimal = 246, kFloat = 4, kString = 254,
                   kDate = 10, kDatetime = 12, kTimestamp = 7, kTime = 11, kYear = 13, kEnum = 247,
                   kSet = 248, kBit = 16, kJson = 245;

TEST_F(MysqlSinkTest, EveryColumnTypeRoundTripsAtItsLimitsAndAsNull) {
  PluginInstance& mysql = sink(config());
  ddl(mysql, 100, db_, "CREATE DATABASE `" + db_ + "`");
  ddl(mysql, 101, db_,
      "CREATE TABLE t (id BIGINT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, "
      "siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, "
      "bi BIGINT, biu BIGINT UNSIGNED, dbig DECIMAL(65,30), dsmall DECIMAL(5,2), f FLOAT, "
      "d DOUBLE, ch CHAR(10), vc VARCHAR(64), tx TEXT, mt MEDIUMTEXT, bl BLOB, lb LONGBLOB, "
      "bn BINARY(4), vb VARBINARY(8), dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT "
      "NULL, tm TIME(6), yr YEAR, en ENUM('a','b','c'), st SET('x','y','z'), b1 BIT(1), "
      "b64 BIT(64), js JSON) CHARACTER SET utf8mb4");
  const TableSpec spec{
      db_,
      "t",
      7,
      {{"id", kLongLong, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "bigint"},
       {"ti", kTiny, 0, "tinyint"},
       {"tiu", kTiny, SLUICE_COLUMN_UNSIGNED, "tinyint"},
       {"si", kShort, 0, "smallint"},
       {"siu", kShort, SLUICE_COLUMN_UNSIGNED, "smallint"},
       {"mi", kInt24, 0, "mediumint"},
       {"miu", kInt24, SLUICE_COLUMN_UNSIGNED, "mediumint"},
       {"i", kLong, 0, "int"},
       {"iu", kLong, SLUICE_COLUMN_UNSIGNED, "int"},
       {"bi", kLongLong, 0, "bigint"},
       {"biu", kLongLong, SLUICE_COLUMN_UNSIGNED, "bigint"},
       {"dbig", kNewDecimal, 0, "decimal", 65, 30},
       {"dsmall", kNewDecimal, 0, "decimal", 5, 2},
       {"f", kFloat, 0, "float"},
       {"d", kDouble, 0, "double"},
       {"ch", kString, 0, "char", 10, -1, "utf8mb4"},
       {"vc", kVarchar, 0, "varchar", 64, -1, "utf8mb4"},
       {"tx", kBlob, 0, "text", 65535, -1, "utf8mb4"},
       {"mt", kBlob, 0, "mediumtext", 16777215, -1, "utf8mb4"},
       {"bl", kBlob, SLUICE_COLUMN_BINARY, "blob", 65535, -1, "binary"},
       {"lb", kBlob, SLUICE_COLUMN_BINARY, "longblob", -1, -1, "binary"},
       {"bn", kString, SLUICE_COLUMN_BINARY, "binary", 4, -1, "binary"},
       {"vb", kVarchar, SLUICE_COLUMN_BINARY, "varbinary", 8, -1, "binary"},
       {"dt", kDate, 0, "date"},
       {"dtm", kDatetime, 0, "datetime", -1, 6},
       {"ts", kTimestamp, 0, "timestamp", -1, 6},
       {"tm", kTime, 0, "time", -1, 6},
       {"yr", kYear, 0, "year"},
       {"en", kEnum, 0, "enum", -1, -1, "utf8mb4", "a,b,c"},
       {"st", kSet, 0, "set", -1, -1, "utf8mb4", "x,y,z"},
       {"b1", kBit, SLUICE_COLUMN_UNSIGNED, "bit", 1},
       {"b64", kBit, SLUICE_COLUMN_UNSIGNED, "bit", 64},
       {"js", kJson, 0, "json"}},
      {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}};
  std::string long_blob(70000, '\0');
  for (size_t i = 0; i < long_blob.size(); ++i)
    long_blob[i] = static_cast<char>(i * 7 % 256);
  const std::string json = R"({"k": [1, "it's \"q\""]})";
  const std::vector<OwnedValue> high = {int64_t{1},
                                        int64_t{127},
                                        uint64_t{255},
                                        int64_t{32767},
                                        uint64_t{65535},
                                        int64_t{8388607},
                                        uint64_t{16777215},
                                        int64_t{2147483647},
                                        uint64_t{4294967295u},
                                        std::numeric_limits<int64_t>::max(),
                                        std::numeric_limits<uint64_t>::max(),
                                        "12345678901234567890123456789012345."
                                        "123456789012345678901234567890"s,
                                        "999.99"s,
                                        1.5,
                                        0.1,
                                        "a'b\\c"s,
                                        "'); DROP TABLE x; --"s,
                                        "nul\0in \"q\" \\ '"s,
                                        "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80"s,
                                        "\x00\xff\xfe'\"\\\x1a"s,
                                        long_blob,
                                        "\x00\x01"s,
                                        "\xff\x00'"s,
                                        "9999-12-31"s,
                                        "2024-02-29 23:59:59.999999"s,
                                        "2020-06-15 12:34:56.123456"s,
                                        "838:59:59.000000"s,
                                        int64_t{2155},
                                        "c"s,
                                        "x,z"s,
                                        uint64_t{1},
                                        std::numeric_limits<uint64_t>::max(),
                                        json};
  const std::vector<OwnedValue> low = {
      int64_t{2},
      int64_t{-128},
      uint64_t{0},
      int64_t{-32768},
      uint64_t{0},
      int64_t{-8388608},
      uint64_t{0},
      int64_t{-2147483648LL},
      uint64_t{0},
      std::numeric_limits<int64_t>::min(),
      uint64_t{0},
      "-99999999999999999999999999999999999."
      "999999999999999999999999999999"s,
      "-123.45"s,
      -0.25,
      -1.7976931348623157e308,
      ""s,
      ""s,
      ""s,
      ""s,
      ""s,
      ""s,
      ""s,
      ""s,
      "1000-01-01"s,
      "1000-01-01 00:00:00.000000"s,
      "2001-01-01 00:00:00.000001"s,
      "-838:59:59.000000"s,
      int64_t{1901},
      "a"s,
      ""s,
      uint64_t{0},
      "\x80\x00\x00\x00\x00\x00\x00\x01"s,  // bit bytes, big-endian
      "[]"s};
  std::vector<OwnedValue> nulls(spec.columns.size(), std::monostate{});
  nulls[0] = int64_t{3};
  BatchBuilder builder;
  const size_t t = builder.add_table(spec);
  builder.begin_transaction(200, 190).insert(t, high).insert(t, low).insert(t, nulls);
  EXPECT_EQ(apply(mysql, builder), 200);

  const std::string select =
      "SELECT id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, dbig, dsmall, f, d, ch, vc, HEX(tx), "
      "HEX(mt), HEX(bl), LENGTH(lb), HEX(bn), HEX(vb), dt, dtm, ts, tm, yr, en, st, b1 + 0, "
      "HEX(b64), js FROM `" +
      db_ + "`.t ORDER BY id";
  const SqlRow expected_high = {
      "1",
      "127",
      "255",
      "32767",
      "65535",
      "8388607",
      "16777215",
      "2147483647",
      "4294967295",
      "9223372036854775807",
      "18446744073709551615",
      "12345678901234567890123456789012345.123456789012345678901234567890",
      "999.99",
      "1.5",
      "0.1",
      "a'b\\c",
      "'); DROP TABLE x; --",
      "6E756C00696E20227122205C2027",
      "C3A974C3A920F09F9880",
      "00FFFE27225C1A",
      "70000",
      "00010000",
      "FF0027",
      "9999-12-31",
      "2024-02-29 23:59:59.999999",
      "2020-06-15 12:34:56.123456",
      "838:59:59.000000",
      "2155",
      "c",
      "x,z",
      "1",
      "FFFFFFFFFFFFFFFF",
      json};
  const SqlRow expected_low = {
      "2",
      "-128",
      "0",
      "-32768",
      "0",
      "-8388608",
      "0",
      "-2147483648",
      "0",
      "-9223372036854775808",
      "0",
      "-99999999999999999999999999999999999.999999999999999999999999999999",
      "-123.45",
      "-0.25",
      "-1.7976931348623157e308",
      "",
      "",
      "",
      "",
      "",
      "0",
      "00000000",
      "",
      "1000-01-01",
      "1000-01-01 00:00:00.000000",
      "2001-01-01 00:00:00.000001",
      "-838:59:59.000000",
      "1901",
      "a",
      "",
      "0",
      "8000000000000001",
      "[]"};
  SqlRow expected_nulls(spec.columns.size(), std::nullopt);
  expected_nulls[0] = "3";
  const auto got = rows(select);
  ASSERT_EQ(got.size(), 3u);
  for (size_t column = 0; column < spec.columns.size(); ++column) {
    EXPECT_EQ(got[0][column], expected_high[column]) << spec.columns[column].name;
    EXPECT_EQ(got[1][column], expected_low[column]) << spec.columns[column].name;
    EXPECT_EQ(got[2][column], expected_nulls[column]) << spec.columns[column].name;
  }
  EXPECT_EQ(rows("SELECT HEX(lb) FROM `" + db_ + "`.t WHERE id = 1"),
            (std::vector<SqlRow>{row({hex(long_blob)})}));

  // An update that changes the primary key (WHERE on the old one), a delete keyed on a value
  // full of SQL syntax's characters would not matter: the key is id.
  std::vector<OwnedValue> moved = high;
  moved[0] = int64_t{101};
  moved[16] = "changed"s;
  BatchBuilder second;
  const size_t t2 = second.add_table(spec);
  second.begin_transaction(300, 290).update(t2, high, moved).erase(t2, low);
  EXPECT_EQ(apply(mysql, second), 300);
  EXPECT_EQ(rows("SELECT id, vc, HEX(bl) FROM `" + db_ + "`.t ORDER BY id"),
            (std::vector<SqlRow>{row({"3", std::nullopt, std::nullopt}),
                                 row({"101", "changed", "00FFFE27225C1A"})}));
}

TEST_F(MysqlSinkTest, ValuesWithSqlSyntaxLandVerbatimAndMatchInWhere) {
  PluginInstance& mysql = sink(config(2, 2));
  ddl(mysql, 100, db_, "CREATE DATABASE `" + db_ + "`");
  ddl(mysql, 101, db_, "CREATE TABLE x (name VARCHAR(64) PRIMARY KEY, v INT)");
  const TableSpec spec{db_,
                       "x",
                       9,
                       {{"name", kVarchar, SLUICE_COLUMN_PRIMARY_KEY, "varchar", 64, -1, "utf8mb4"},
                        {"v", kLong, 0, "int"}},
                       {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}};
  const std::string hostile = "'); DROP TABLE x; --";
  const std::string quoted = "\\' OR 1=1 -- \"";
  BatchBuilder builder;
  const size_t x = builder.add_table(spec);
  builder.begin_transaction(200, 190)
      .insert(x, {hostile, int64_t{1}})
      .insert(x, {quoted, int64_t{2}})
      .insert(x, {"plain"s, int64_t{3}});
  builder.begin_transaction(210, 205)
      .update(x, {hostile, int64_t{1}}, {hostile, int64_t{10}})
      .erase(x, {quoted, int64_t{2}});
  EXPECT_EQ(apply(mysql, builder), 210);
  EXPECT_EQ(rows("SELECT name, v FROM `" + db_ + "`.x ORDER BY v"),
            (std::vector<SqlRow>{row({"plain", "3"}), row({hostile, "10"})}));
}

// Downstream, `code` is the only unique key and `id` is not unique at all; the event says id is
// the primary key. Two downstream rows share id 1: keyed on the event's id, the update would hit
// the first of them; keyed on the downstream's code, it hits the right one.
TEST_F(MysqlSinkTest, DownstreamKeysAreUsedWhereTheyDifferFromTheEvents) {
  PluginInstance& mysql = sink(config(1, 10));
  ddl(mysql, 100, db_, "CREATE DATABASE `" + db_ + "`");
  ddl(mysql, 101, db_,
      "CREATE TABLE k (id INT NOT NULL, code VARCHAR(16) NOT NULL, v INT, "
      "UNIQUE KEY uk_code (code))");
  server_->execute("INSERT INTO `" + db_ + "`.k VALUES (1, 'a', 0), (1, 'b', 0)");
  const TableSpec spec{db_,
                       "k",
                       11,
                       {{"id", kLong, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "int"},
                        {"code", kVarchar, 0, "varchar", 16, -1, "utf8mb4"},
                        {"v", kLong, 0, "int"}},
                       {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}};
  BatchBuilder builder;
  const size_t k = builder.add_table(spec);
  builder.begin_transaction(200, 190).update(k, {int64_t{1}, "b"s, int64_t{0}},
                                             {int64_t{1}, "b"s, int64_t{7}});
  EXPECT_EQ(apply(mysql, builder), 200);
  EXPECT_EQ(rows("SELECT code, v FROM `" + db_ + "`.k ORDER BY code"),
            (std::vector<SqlRow>{row({"a", "0"}), row({"b", "7"})}));

  // What the loader read, from information_schema directly.
  SqlError error;
  auto connection = MysqlConnection::connect(connection_options(), error);
  ASSERT_NE(connection, nullptr) << error.message;
  DownstreamTables tables;
  std::shared_ptr<const DownstreamTable> info;
  ASSERT_TRUE(tables.lookup(*connection, db_, "k", info).is_ok());
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->columns.size(), 3u);
  EXPECT_EQ(info->columns[1].name, "code");
  EXPECT_EQ(info->columns[1].data_type, "varchar");
  EXPECT_EQ(info->columns[1].column_type, "varchar(16)");
  EXPECT_FALSE(info->columns[1].nullable);
  EXPECT_TRUE(info->columns[2].nullable);
  ASSERT_EQ(info->keys.size(), 1u);
  EXPECT_EQ(info->keys[0].name, "uk_code");
  EXPECT_FALSE(info->keys[0].primary);
  EXPECT_EQ(info->keys[0].columns, std::vector<std::string>{"code"});
  // A missing table is not an error (and is not cached).
  ASSERT_TRUE(tables.lookup(*connection, db_, "missing", info).is_ok());
  EXPECT_EQ(info, nullptr);
  EXPECT_EQ(tables.cached_tables(), 1u);
}

TEST_F(MysqlSinkTest, DownstreamKeysArePrimaryFirstThenUniqueKeys) {
  server_->execute("CREATE DATABASE `" + db_ + "`");
  server_->execute("CREATE TABLE `" + db_ +
                   "`.m (z INT, a VARBINARY(4), b INT, c BIT(8), g INT AS (b + 1) VIRTUAL, "
                   "UNIQUE KEY a_uk (a, b), PRIMARY KEY (b, z), KEY plain (c))");
  SqlError error;
  auto connection = MysqlConnection::connect(connection_options(), error);
  ASSERT_NE(connection, nullptr) << error.message;
  DownstreamTables tables;
  // The event lists the columns in another order and lacks `g`.
  auto upstream = std::make_shared<TableInfo>();
  upstream->schema = db_;
  upstream->table = "m";
  upstream->columns = {{"C", 16, false, false},
                       {"b", 3, false, false},
                       {"a", 15, false, false},
                       {"z", 3, false, false}};
  upstream->keys = {{"PRIMARY", true, {0}}};
  std::shared_ptr<const TableInfo> resolved;
  ASSERT_TRUE(tables.resolve(*connection, upstream, resolved).is_ok());
  ASSERT_EQ(resolved->keys.size(), 2u);
  EXPECT_EQ(resolved->keys[0].name, "PRIMARY");
  EXPECT_TRUE(resolved->keys[0].primary);
  EXPECT_EQ(resolved->keys[0].columns, (std::vector<size_t>{1, 3}));  // b, z
  EXPECT_EQ(resolved->keys[1].name, "a_uk");
  EXPECT_EQ(resolved->keys[1].columns, (std::vector<size_t>{2, 1}));  // a, b
  // Binary from the downstream types: BIT and VARBINARY yes, INT no.
  EXPECT_TRUE(resolved->columns[0].binary);
  EXPECT_FALSE(resolved->columns[1].binary);
  EXPECT_TRUE(resolved->columns[2].binary);
  // Cached: the same layout again is the same object; evicted after a DDL.
  std::shared_ptr<const TableInfo> again;
  ASSERT_TRUE(tables.resolve(*connection, upstream, again).is_ok());
  EXPECT_EQ(again.get(), resolved.get());
  tables.evict_schema(db_);
  EXPECT_EQ(tables.cached_tables(), 0u);
  ASSERT_TRUE(tables.resolve(*connection, upstream, again).is_ok());
  EXPECT_NE(again.get(), resolved.get());
}

// A key-less table matches on every column: an update whose old values are stale downstream
// finds no row. After a DDL (through the sink) adds a unique key, the same kind of update is keyed
// on it and lands.
TEST_F(MysqlSinkTest, DdlThatAddsAUniqueKeyIsPickedUp) {
  PluginInstance& mysql = sink(config(2, 5));
  ddl(mysql, 100, db_, "CREATE DATABASE `" + db_ + "`");
  ddl(mysql, 101, db_, "CREATE TABLE bag (a INT NOT NULL, b VARCHAR(10))");
  server_->execute("INSERT INTO `" + db_ + "`.bag VALUES (1, 'x'), (2, 'x')");
  const TableSpec spec{db_,
                       "bag",
                       12,
                       {{"a", kLong, 0, "int"}, {"b", kVarchar, 0, "varchar", 10, -1, "utf8mb4"}},
                       {}};
  BatchBuilder before;
  const size_t bag = before.add_table(spec);
  before.begin_transaction(200, 190).update(bag, {int64_t{1}, "stale"s}, {int64_t{1}, "y"s});
  EXPECT_EQ(apply(mysql, before), 200);
  EXPECT_EQ(rows("SELECT a, b FROM `" + db_ + "`.bag ORDER BY a"),
            (std::vector<SqlRow>{row({"1", "x"}), row({"2", "x"})}));

  ddl(mysql, 210, db_, "ALTER TABLE bag ADD UNIQUE KEY uk_a (a)");
  BatchBuilder after;
  const size_t bag2 = after.add_table(spec);
  after.begin_transaction(300, 290).update(bag2, {int64_t{2}, "stale"s}, {int64_t{2}, "y"s});
  EXPECT_EQ(apply(mysql, after), 300);
  EXPECT_EQ(rows("SELECT a, b FROM `" + db_ + "`.bag ORDER BY a"),
            (std::vector<SqlRow>{row({"1", "x"}), row({"2", "y"})}));
}

// merge = true: the batch collapses by primary key into bulk DELETE + bulk REPLACE; the rows end
// as the transactions say, including a primary-key change, a delete of a row that was there
// before, and a key deleted and inserted again.
TEST_F(MysqlSinkTest, MergeModeEndsWithTheSameRows) {
  FakeConfig merged = config(2, 50);
  merged.set("merge", true);
  PluginInstance& mysql = sink(merged);
  create_items(mysql, 100);
  server_->execute("INSERT INTO `" + db_ + "`.items VALUES (7, 'old', 70), (8, 'old', 80)");
  BatchBuilder builder;
  const size_t items = builder.add_table(items_spec(db_));
  builder.begin_transaction(200, 190)
      .insert(items, {int64_t{1}, "one"s, int64_t{10}})
      .insert(items, {int64_t{2}, "two"s, int64_t{20}})
      .erase(items, {int64_t{7}, "old"s, int64_t{70}});
  builder.begin_transaction(210, 205)
      .update(items, {int64_t{1}, "one"s, int64_t{10}}, {int64_t{3}, "three"s, int64_t{10}})
      .update(items, {int64_t{8}, "old"s, int64_t{80}}, {int64_t{8}, "new"s, int64_t{81}})
      .erase(items, {int64_t{2}, "two"s, int64_t{20}})
      .insert(items, {int64_t{2}, "again"s, std::monostate{}});
  EXPECT_EQ(apply(mysql, builder, 101), 210);
  EXPECT_EQ(rows("SELECT id, name, k FROM `" + db_ + "`.items ORDER BY id"),
            (std::vector<SqlRow>{row({"2", "again", std::nullopt}), row({"3", "three", "10"}),
                                 row({"8", "new", "81"})}));
}

TEST_F(MysqlSinkTest, ConnectionBindsValuesCachesStatementsAndReportsErrors) {
  SqlError error;
  auto connection = MysqlConnection::connect(connection_options(), error);
  ASSERT_NE(connection, nullptr) << error.message;
  std::vector<SqlRow> got;
  ASSERT_FALSE(connection->query("SELECT ?, ?, ?, ?, HEX(?)",
                                 {{"'); DROP TABLE x; --"s},
                                  {int64_t{-5}},
                                  {uint64_t{18446744073709551615u}},
                                  {std::monostate{}},
                                  {BoundValue{"\x00\xff"s, true}}},
                                 got));
  EXPECT_EQ(got, (std::vector<SqlRow>{row({"'); DROP TABLE x; --", "-5", "18446744073709551615",
                                           std::nullopt, "00FF"})}));
  // One prepared statement per text, at most kStatementCacheSize of them.
  for (size_t i = 0; i < MysqlConnection::kStatementCacheSize + 5; ++i) {
    ASSERT_FALSE(connection->query("SELECT ? + " + std::to_string(i), {{int64_t{1}}}, got));
  }
  EXPECT_EQ(connection->cached_statements(), MysqlConnection::kStatementCacheSize);
  ASSERT_FALSE(connection->query("SELECT ? + 0", {{int64_t{41}}}, got));
  EXPECT_EQ(got, (std::vector<SqlRow>{row({"41"})}));
  EXPECT_EQ(connection->cached_statements(), MysqlConnection::kStatementCacheSize);
  // Errors are values, not exceptions.
  auto failed = connection->execute("SELEC 1");
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->code, 1064u);  // ER_PARSE_ERROR
  failed = connection->execute("INSERT INTO no_such_db.t VALUES (?)", {{int64_t{1}}});
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->code, 1146u);  // ER_NO_SUCH_TABLE
  // The connection is still usable afterwards.
  ASSERT_FALSE(connection->query("SELECT 1", got));
  EXPECT_EQ(got, (std::vector<SqlRow>{row({"1"})}));

  ConnectionOptions unknown = connection_options();
  unknown.host = "no-such-host.invalid";
  unknown.password = "secret-value";
  EXPECT_EQ(MysqlConnection::connect(unknown, error), nullptr);
  EXPECT_EQ(error.code, 2005u) << error.message;  // CR_UNKNOWN_HOST
  EXPECT_EQ(error.message.find("secret-value"), std::string::npos);
  EXPECT_EQ(status_of(error, "connecting").code(), sdk::Code::kFatal);
}

}  // namespace
}  // namespace sluice::mysql::sink_test
