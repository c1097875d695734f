// Text through the mysql sink into a MariaDB started with stock settings (character_set_server
// latin1): DDL that names no character set gets TiDB's defaults (utf8mb4 / utf8mb4_bin), so CJK
// and 4-byte characters arrive byte for byte (compared as HEX() against UTF-8 worked out by
// hand); DDL that names one keeps it; the loader's connections talk utf8mb4 whatever the server's
// default. Also built into tidb_sink_test (SQL_SINK_PLUGIN = tidb.so): the same loader.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "plugins/mysql/mysql_connection.h"
#include "tests/plugins/mysql/mysql_sink_fixture.h"

namespace sluice::mysql::sink_test {
namespace {

// UTF-8 of the test's text, written out by hand.
constexpr const char* kDatabaseHex = "E695B0E68DAEE5BA93";  // 数据库
constexpr const char* kEmojiHex = "F09F9880F09F9A80";       // 😀🚀
constexpr const char* kRocketHex = "F09F9A80";              // 🚀
constexpr const char* kMixedHex =                           // Grüße 数据 😀
    "4772C3BCC39F6520E695B0E68DAE20F09F9880";

// The same suite as MysqlSinkTest, on its own server with the stock character set.
class MysqlSinkStockCharsetTest : public MysqlSinkTest {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<MariadbServer>(
        sluice::testing::MariadbServerOptions{.stock_character_set = true});
  }
  static void TearDownTestSuite() { server_.reset(); }

  // The second column of SHOW CREATE TABLE/DATABASE.
  std::string show_create(const std::string& what) const {
    const auto result = rows("SHOW CREATE " + what);
    return result.empty() || result[0].size() < 2 ? "" : result[0][1].value_or("");
  }
};

TEST_F(MysqlSinkStockCharsetTest, TheServerReallyDefaultsToLatin1) {
  // Without this the other tests would prove nothing.
  EXPECT_EQ(rows("SELECT @@GLOBAL.character_set_server, @@GLOBAL.collation_server"),
            (std::vector<SqlRow>{row({"latin1", "latin1_swedish_ci"})}));
}

TEST_F(MysqlSinkStockCharsetTest, CjkAndEmojiArriveIntactInTablesCreatedWithoutACharset) {
  PluginInstance& mysql = sink(config(2, 2));
  ddl(mysql, 100, db_, "CREATE DATABASE `" + db_ + "`");
  ddl(mysql, 101, db_, "CREATE TABLE notes (k VARCHAR(16) PRIMARY KEY, v VARCHAR(32), t TEXT)");
  const TableSpec spec{db_,
                       "notes",
                       1,
                       {{"k", kVarchar, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL,
                         "varchar", 16, -1, "utf8mb4"},
                        {"v", kVarchar, 0, "varchar", 32, -1, "utf8mb4"},
                        {"t", kBlob, 0, "text", 65535, -1, "utf8mb4"}},
                       {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}};
  BatchBuilder builder;
  const size_t notes = builder.add_table(spec);
  builder.begin_transaction(110, 109)
      .insert(notes, {"数据库"s, "😀🚀"s, "Grüße 数据 😀"s})
      .insert(notes, {"😀🚀"s, "数据库"s, "😀🚀"s});
  // Found by its CJK key, changed to a 4-byte value.
  builder.begin_transaction(120, 119).update(notes, {"数据库"s, "😀🚀"s, "Grüße 数据 😀"s},
                                             {"数据库"s, "🚀"s, "Grüße 数据 😀"s});
  apply(mysql, builder, 120);

  EXPECT_EQ(rows("SELECT HEX(k), HEX(v), HEX(t) FROM `" + db_ + "`.notes ORDER BY k"),
            (std::vector<SqlRow>{row({kDatabaseHex, kRocketHex, kMixedHex}),
                                 row({kEmojiHex, kDatabaseHex, kEmojiHex})}));
  // Read back as text on a utf8mb4 connection, too.
  std::vector<SqlRow> text;
  SqlError error;
  auto connection = MysqlConnection::connect(connection_options(), error);
  ASSERT_NE(connection, nullptr) << error.message;
  ASSERT_FALSE(connection->query("SELECT k, v, t FROM `" + db_ + "`.notes ORDER BY k", text));
  EXPECT_EQ(text, (std::vector<SqlRow>{row({"数据库", "🚀", "Grüße 数据 😀"}),
                                       row({"😀🚀", "数据库", "😀🚀"})}));

  EXPECT_NE(show_create("DATABASE `" + db_ + "`")
                .find("DEFAULT CHARACTER SET utf8mb4 COLLATE "
                      "utf8mb4_bin"),
            std::string::npos)
      << show_create("DATABASE `" + db_ + "`");
  const std::string table = show_create("TABLE `" + db_ + "`.notes");
  EXPECT_NE(table.find("DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"), std::string::npos) << table;
  EXPECT_EQ(table.find("latin1"), std::string::npos) << table;
}

TEST_F(MysqlSinkStockCharsetTest, ACharsetTheDdlNamesIsKept) {
  PluginInstance& mysql = sink(config());
  // Upstream chose latin1 for the database: its tables inherit it, as TiDB's do.
  ddl(mysql, 100, db_, "CREATE DATABASE `" + db_ + "` CHARACTER SET latin1");
  ddl(mysql, 101, db_, "CREATE TABLE inherits (id INT PRIMARY KEY, v VARCHAR(8))");
  ddl(mysql, 102, db_,
      "CREATE TABLE named (id INT PRIMARY KEY, v VARCHAR(8)) DEFAULT CHARSET=utf8mb4 "
      "COLLATE=utf8mb4_general_ci");
  EXPECT_NE(show_create("DATABASE `" + db_ + "`").find("DEFAULT CHARACTER SET latin1"),
            std::string::npos)
      << show_create("DATABASE `" + db_ + "`");
  EXPECT_NE(show_create("TABLE `" + db_ + "`.inherits").find("DEFAULT CHARSET=latin1"),
            std::string::npos)
      << show_create("TABLE `" + db_ + "`.inherits");
  EXPECT_NE(show_create("TABLE `" + db_ + "`.named")
                .find("DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"),
            std::string::npos)
      << show_create("TABLE `" + db_ + "`.named");

  // A collation alone names the character set too.
  const std::string other = db_ + "_ci";
  server_->execute("DROP DATABASE IF EXISTS `" + other + "`");
  ddl(mysql, 103, other, "CREATE SCHEMA `" + other + "` COLLATE utf8mb4_unicode_ci");
  EXPECT_NE(show_create("DATABASE `" + other + "`")
                .find("DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"),
            std::string::npos)
      << show_create("DATABASE `" + other + "`");
  server_->execute("DROP DATABASE `" + other + "`");
}

TEST_F(MysqlSinkStockCharsetTest, LoaderConnectionsTalkUtf8mb4) {
  SqlError error;
  auto connection = MysqlConnection::connect(connection_options(), error);
  ASSERT_NE(connection, nullptr) << error.message;
  std::vector<SqlRow> session;
  ASSERT_FALSE(connection->query(
      "SELECT @@character_set_client, @@character_set_connection, @@character_set_results",
      session));
  EXPECT_EQ(session, (std::vector<SqlRow>{row({"utf8mb4", "utf8mb4", "utf8mb4"})}));
}

}  // namespace
}  // namespace sluice::mysql::sink_test
