// sluice-reparo restoring into a real MariaDB (tests/support MariadbServer): a full restore whose
// tables equal the rows the history leaves (worked out by hand, compared row by row), a point in
// time restore (stop-tso, then start-tso after it, the PITR recipe), safe mode making a replay
// idempotent, and filters.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sluice::reparo
