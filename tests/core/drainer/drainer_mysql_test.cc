// The whole path into a real MariaDB: producers -> three pumps -> the sluice-drainer binary with
// an original drainer.toml ([syncer] db-type = "mysql", [syncer.to]) -> the mysql sink plugin;
// the checkpoint goes to the downstream's tidb_binlog.checkpoint table as in the original, and a
// restart resumes from it.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/config/encrypted_secret.h"
#include "tests/core/drainer/drainer_cluster.h"
#include "tests/core/drainer/drainer_daemon.h"
#include "tests/core/drainer/mysql_downstream.h"
#include "tests/support/child_process.h"
#include "tests/support/mariadb_server.h"

namespace sluice::drainer {
namespace {

using std::chrono::seconds;
using test::TestCluster;
using test::wait_until;
using testing::ChildProcess;

class DrainerMysqlTest : public ::testing::Test {
 protected:
  std::unique_ptr<ChildProcess> launch(std::vector<std::string> env = {}) {
    return test::launch_drainer(cluster_.path("drainer.toml"), cluster_.path("drainer.log"), {},
                                std::move(env));
  }

  int64_t row_count() { return test::shop_rows(mariadb_, "items"); }
  nlohmann::json checkpoint_row() { return test::checkpoint_row(mariadb_); }

  testing::MariadbServer mariadb_;
  TestCluster cluster_;
};

TEST_F(DrainerMysqlTest, AnOriginalMysqlDrainerTomlReplicatesAndCheckpointsDownstream) {
  test::write_mysql_drainer_toml(cluster_, mariadb_, test::root_credentials(mariadb_),
                                 "txn-batch = 20\nworker-count = 4\n");
  auto drainer = launch();
  cluster_.create_items_table();
  std::set<int64_t> committed = cluster_.insert_rows(1, 200, 4);
  ASSERT_TRUE(wait_until([&] { return row_count() == 200; }, seconds(60)))
      << row_count() << " rows; " << drainer->log_tail();
  auto sample = mariadb_.query_rows("SELECT name, qty FROM shop.items WHERE id = 77");
  ASSERT_EQ(sample.size(), 1u);
  EXPECT_EQ(sample[0][0], "item-77");
  EXPECT_EQ(sample[0][1], "0");  // 77 % 7

  // The checkpoint row, in the original's JSON, reaches the last commit.
  ASSERT_TRUE(wait_until(
      [&] {
        auto row = checkpoint_row();
        return !row.is_null() && row["commitTS"].get<int64_t>() >= *committed.rbegin();
      },
      seconds(30)))
      << checkpoint_row().dump();
  EXPECT_FALSE(std::filesystem::exists(cluster_.path("dm") / "savepoint"))
      << "the checkpoint belongs in the table, not the file";
  EXPECT_EQ(drainer->terminate(seconds(20)), 0) << drainer->log_tail();
  EXPECT_TRUE(checkpoint_row()["consistent"].get<bool>());

  // Restarted, it resumes from the table: what was written meanwhile arrives, nothing twice.
  std::set<int64_t> later = cluster_.insert_rows(201, 50, 2);
  drainer = launch();
  ASSERT_TRUE(wait_until([&] { return row_count() == 250; }, seconds(60)))
      << row_count() << " rows; " << drainer->log_tail();
  EXPECT_NE(drainer->log_tail(100000).find("resuming from checkpoint"), std::string::npos);
  EXPECT_EQ(drainer->terminate(seconds(20)), 0) << drainer->log_tail();
  EXPECT_GE(checkpoint_row()["commitTS"].get<int64_t>(), *later.rbegin());
}

// The original's encrypted_password: the sink and the checkpoint table both log in with the
// decrypted password; the password never shows in the log; without BINLOG_SECRET_KEY the drainer
// refuses to start and says which variable is missing.
TEST_F(DrainerMysqlTest, EncryptedPasswordIsDecryptedWithBinlogSecretKeyAndNeverLogged) {
  const std::string password = "Pw'd;--\\x";
  mariadb_.execute("CREATE USER 'enc'@'%' IDENTIFIED BY 'Pw''d;--\\\\x'");
  mariadb_.execute("GRANT ALL PRIVILEGES ON *.* TO 'enc'@'%'");
  const std::string key_hex = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
  auto encrypted = config::encrypt_secret(password, config::SecretKey::from_hex(key_hex).value());
  ASSERT_TRUE(encrypted.is_ok());
  test::write_mysql_drainer_toml(
      cluster_, mariadb_, "user = \"enc\"\nencrypted_password = \"" + encrypted.value() + "\"\n");

  auto drainer = launch({"BINLOG_SECRET_KEY=" + key_hex});
  cluster_.create_items_table();
  std::set<int64_t> committed = cluster_.insert_rows(1, 40, 2);
  ASSERT_TRUE(wait_until([&] { return row_count() == 40; }, seconds(60)))
      << row_count() << " rows; " << drainer->log_tail();
  ASSERT_TRUE(wait_until(
      [&] {
        auto row = checkpoint_row();
        return !row.is_null() && row["commitTS"].get<int64_t>() >= *committed.rbegin();
      },
      seconds(30)))
      << checkpoint_row().dump();
  EXPECT_EQ(drainer->terminate(seconds(20)), 0) << drainer->log_tail();
  EXPECT_EQ(drainer->log_tail(1 << 20).find(password), std::string::npos);

  testing::ChildProcessOptions options;
  options.argv = {test::drainer_binary().string(), "-config",
                  cluster_.path("drainer.toml").string()};
  options.log_file = cluster_.path("drainer-nokey.log");
  ChildProcess without_key(options);
  auto status = without_key.wait_for_exit(seconds(30));
  ASSERT_TRUE(status.has_value()) << without_key.log_tail();
  EXPECT_NE(*status, 0);
  EXPECT_NE(without_key.log_tail().find("BINLOG_SECRET_KEY"), std::string::npos)
      << without_key.log_tail();
  EXPECT_EQ(without_key.log_tail(1 << 20).find(password), std::string::npos);
}

}  // namespace
}  // namespace sluice::drainer
