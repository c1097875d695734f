// sluice-reparo restoring into a real MariaDB (tests/support MariadbServer): a full restore whose
// tables equal the rows the history leaves (worked out by hand, compared row by row), a point in
// time restore (stop-tso, then start-tso after it, the PITR recipe), safe mode making a replay
// idempotent, and filters; CJK and 4-byte text restored byte for byte into a MariaDB with stock
// settings (latin1 by default) from DDL that names no character set.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/daemons/reparo/binlog_fixture.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/temp_dir.h"

namespace sluice::reparo {
namespace {

namespace fs = std::filesystem;
using sluice::testing::SqlRow;
using testing::run_reparo_binary;

using Rows = std::vector<SqlRow>;
const std::nullopt_t kNull = std::nullopt;

class ReparoMariadbTest : public ::testing::Test {
 protected:
  // One server for the suite: starting mariadbd is the slow part.
  static void SetUpTestSuite() { server_ = std::make_unique<sluice::testing::MariadbServer>(); }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override {
    server_->execute("DROP DATABASE IF EXISTS shop");
    server_->execute("DROP DATABASE IF EXISTS other");
    testing::write_shop_history(dir(), 400);  // several files
  }

  fs::path dir() const { return work_.file("binlog"); }

  // Runs sluice-reparo into the server with `extra` config lines; returns the exit code.
  int restore(const std::string& extra = "", std::string* log = nullptr) {
    const fs::path config = work_.file("reparo.toml");
    testing::write_text(config, "data-dir = \"" + dir().string() +
                                    "\"\ndest-type = \"mysql\"\nworker-count = 4\n"
                                    "txn-batch = 2\n" +
                                    extra + "\n[dest-db]\nhost = \"" + server_->host() +
                                    "\"\nport = " + std::to_string(server_->port()) +
                                    "\nuser = \"" + server_->user() + "\"\npassword = \"" +
                                    server_->password() + "\"\n");
    const auto run = run_reparo_binary({"-config", config.string()}, work_.path());
    if (log != nullptr) *log = run.log;
    EXPECT_TRUE(run.stdout_lines.empty());
    if (run.exit_code != 0 && log == nullptr) ADD_FAILURE() << run.log;
    return run.exit_code;
  }

  static Rows items() {
    return server_->query_rows(
        "SELECT id, name, price, created, HEX(data), score FROM shop.items ORDER BY id");
  }
  static Rows items_with_note() {
    return server_->query_rows(
        "SELECT id, name, price, created, HEX(data), score, note FROM shop.items ORDER BY id");
  }
  static Rows other() { return server_->query_rows("SELECT id, v FROM other.t ORDER BY id"); }
  static bool database_exists(const std::string& name) {
    return !server_
                ->query_rows("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '" +
                             name + "'")
                .empty();
  }

  // What the whole history leaves (see binlog_fixture.h).
  static Rows final_items() {
    return {{"1", "it's", "1.50", "2024-01-02 03:04:05", "00FF275C", "0.5", "x"},
            {"4", "kiwi", "3.25", "2024-05-06 07:08:09", "01", kNull, "new"}};
  }
  static Rows final_other() { return {{"1", "a"}, {"2", "b"}}; }

  static std::unique_ptr<sluice::testing::MariadbServer> server_;
  sluice::testing::TempDir work_{"reparo-mariadb-"};
};

std::unique_ptr<sluice::testing::MariadbServer> ReparoMariadbTest::server_;

TEST_F(ReparoMariadbTest, FullRestoreEqualsTheSource) {
  ASSERT_EQ(restore(), 0);
  EXPECT_EQ(items_with_note(), final_items());
  EXPECT_EQ(other(), final_other());
}

TEST_F(ReparoMariadbTest, PointInTimeRestoreStopsAndResumes) {
  // Everything up to 135: the updates and the delete of 130 are in, the ALTER of 140 is not.
  ASSERT_EQ(restore("stop-tso = 135"), 0);
  EXPECT_EQ(items(), (Rows{{"1", "it's", "1.50", "2024-01-02 03:04:05", "00FF275C", "0.5"},
                           {"20", "pear", "20.00", "2024-02-03 04:05:06", "6162", "-2.25"}}));
  EXPECT_EQ(server_->query_rows("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
                                "TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'items'"),
            (Rows{{"6"}}));
  EXPECT_EQ(other(), (Rows{{"1", "a"}}));

  // Then from 136 on (the PITR recipe: a backup at S, then start-tso = S + 1). Without safe mode
  // a replay of anything earlier would fail on a duplicate key.
  ASSERT_EQ(restore("start-tso = 136"), 0);
  EXPECT_EQ(items_with_note(), final_items());
  EXPECT_EQ(other(), final_other());
}

TEST_F(ReparoMariadbTest, ReplayingTwiceNeedsSafeMode) {
  ASSERT_EQ(restore("safe-mode = true"), 0);
  EXPECT_EQ(items_with_note(), final_items());
  // Again over the restored tables: the DDLs are "already done" errors the loader ignores and
  // the rows go in as REPLACE / DELETE + REPLACE.
  ASSERT_EQ(restore("safe-mode = true"), 0);
  EXPECT_EQ(items_with_note(), final_items());
  EXPECT_EQ(other(), final_other());

  std::string log;
  EXPECT_EQ(restore("", &log), 1);
  EXPECT_NE(log.find("Duplicate entry"), std::string::npos) << log;
}

TEST_F(ReparoMariadbTest, FiltersKeepOtherDatabasesOut) {
  ASSERT_EQ(restore("replicate-ignore-db = [\"other\"]"), 0);
  EXPECT_EQ(items_with_note(), final_items());
  EXPECT_FALSE(database_exists("other"));
}

// The same restores into a server with its stock character set (latin1 / latin1_swedish_ci).
class ReparoStockCharsetTest : public ReparoMariadbTest {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<sluice::testing::MariadbServer>(
        sluice::testing::MariadbServerOptions{.stock_character_set = true});
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { server_->execute("DROP DATABASE IF EXISTS intl"); }

  static std::string show_create(const std::string& what) {
    const Rows rows = server_->query_rows("SHOW CREATE " + what);
    return rows.empty() || rows[0].size() < 2 ? "" : rows[0][1].value_or("");
  }
};

TEST_F(ReparoStockCharsetTest, CjkAndEmojiRestoreIntactFromDdlWithoutACharset) {
  ASSERT_EQ(server_->query_rows("SELECT @@GLOBAL.character_set_server"), (Rows{{"latin1"}}));
  sdk::testing::BatchBuilder builder;
  const size_t notes =
      builder.add_table({"intl",
                         "notes",
                         1,
                         {{"id", 3, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "int"},
                          {"v", 15, 0, "varchar", 32, -1, "utf8mb4"},
                          {"t", 252, 0, "text", 65535, -1, "utf8mb4"}},
                         {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  builder.begin_transaction(100, 99, SLUICE_TXN_DDL).ddl("intl", "", "CREATE DATABASE intl");
  builder.begin_transaction(110, 109, SLUICE_TXN_DDL)
      .ddl("intl", "notes", "CREATE TABLE notes (id INT PRIMARY KEY, v VARCHAR(32), t TEXT)");
  builder.begin_transaction(120, 119)
      .insert(notes, {int64_t{1}, std::string("数据库"), std::string("😀🚀")})
      .insert(notes, {int64_t{2}, std::string("😀🚀"), std::string("Grüße 数据 😀")});
  builder.begin_transaction(130, 129).update(notes,
                                             {int64_t{1}, std::string("数据库"), std::string("😀🚀")},
                                             {int64_t{1}, std::string("数据库"), std::string("🚀")});
  testing::write_binlog_files(dir(), builder);

  ASSERT_EQ(restore(), 0);
  // UTF-8 worked out by hand: 数据库, 😀🚀, 🚀, Grüße 数据 😀.
  EXPECT_EQ(server_->query_rows("SELECT id, HEX(v), HEX(t) FROM intl.notes ORDER BY id"),
            (Rows{{"1", "E695B0E68DAEE5BA93", "F09F9A80"},
                  {"2", "F09F9880F09F9A80", "4772C3BCC39F6520E695B0E68DAE20F09F9880"}}));
  const std::string database = show_create("DATABASE intl");
  EXPECT_NE(database.find("DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"), std::string::npos)
      << database;
  const std::string table = show_create("TABLE intl.notes");
  EXPECT_NE(table.find("DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"), std::string::npos) << table;
}

}  // namespace
}  // namespace sluice::reparo
